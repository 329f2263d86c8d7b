import PPMMachine
import PPMRuntime
import PPMScript

/// One service's figures for `/metrics`, copied on the loop.
struct ServiceMetricRow: Sendable {
    var name: String
    var state: ServiceState
    /// The process group of its running process.
    var pid: Int32?
    var health: Health?
    /// Whether it has a health check (`ppm_service_healthy` is shown for those only).
    var checked: Bool
    var starts: Int
    var restarts: Int
    var crashes: Int
    var uptime: Double?
    /// Its cgroup directory, when services run in cgroups.
    var cgroup: String?

    init(_ s: ServiceSnapshot, cgroup: String?) {
        name = s.name
        state = s.state
        pid = s.pid
        health = s.health
        checked = s.spec.health != nil
        starts = s.starts
        restarts = s.restarts
        crashes = s.crashesTotal
        uptime = s.uptime
        self.cgroup = cgroup
    }
}

/// The daemon's own series of `/metrics` (SPEC 11): per service its state,
/// readiness, health, counters, CPU time, resident memory and uptime, and
/// the daemon's start time. Written off the loop, from rows copied on it;
/// CPU and memory come from one pass over /proc (and the cgroups' files).
enum ServiceMetrics {
    /// Every state, in SPEC 4's order (`ppm_service_state` has a series each).
    static let states: [ServiceState] = [
        .created, .waiting, .starting, .running, .reloading, .paused, .stopping, .stopped, .finished, .crashed, .fatal, .disabled,
    ]

    /// The CPU seconds and resident bytes of each running row (by index).
    static func usage(of rows: [ServiceMetricRow]) -> [Int: (cpu: Double, rss: Int64)] {
        let running = rows.indices.filter { rows[$0].pid != nil }
        guard !running.isEmpty else { return [:] }
        let table = ProcessTable.read()
        var byPid: [Int32: ProcessEntry] = [:]
        for entry in table.entries { byPid[entry.pid] = entry }
        let groups = table.members(of: Set(running.compactMap { rows[$0].cgroup == nil ? rows[$0].pid : nil }))
        var result: [Int: (cpu: Double, rss: Int64)] = [:]
        for i in running {
            let row = rows[i]
            var members = groups[row.pid!] ?? []
            var cgroupCPU: Double?
            if let dir = row.cgroup {
                members = ServiceCgroups.pids(in: dir).compactMap { byPid[$0] }
                cgroupCPU = ServiceCgroups.cpuMicroseconds(in: dir).map { Double($0) / 1e6 }
            }
            let ticks = members.reduce(UInt64(0)) { $0 + $1.ticks }
            result[i] = (
                cgroupCPU ?? Double(ticks) / ProcessTable.ticksPerSecond,
                members.reduce(Int64(0)) { $0 + $1.rssPages } * ProcessTable.pageSize
            )
        }
        return result
    }

    /// The families, each with a series per service.
    static func write(_ rows: [ServiceMetricRow], usage: [Int: (cpu: Double, rss: Int64)], daemonStart: Double, to w: inout ExpositionWriter) {
        func each(_ name: String, _ type: String, _ help: String, _ value: (Int, ServiceMetricRow) -> Double?) {
            w.family(name, type: type, help: help)
            for (i, row) in rows.enumerated() {
                guard let v = value(i, row) else { continue }
                w.sample(name, ("service", row.name), v)
            }
        }
        each("ppm_service_up", "gauge", "Whether a process of the service is alive (1) or not (0).") { _, r in r.state.hasProcess ? 1 : 0 }
        w.family("ppm_service_state", type: "gauge", help: "The service's state (SPEC 4): 1 for the current one, 0 for the others.")
        for row in rows {
            for state in states { w.sample("ppm_service_state", ("service", row.name), ("state", state.rawValue), row.state == state ? 1 : 0) }
        }
        each("ppm_service_ready", "gauge", "Whether the service is running and ready (1) or not (0).") { _, r in r.state.isUp ? 1 : 0 }
        each(
            "ppm_service_healthy", "gauge",
            "Whether the service's last health checks passed (1) or not (0); services with a check that has a verdict only."
        ) { _, r in
            r.checked && r.state.hasProcess ? r.health.map { $0 == .healthy ? 1 : 0 } : nil
        }
        each("ppm_service_starts_total", "counter", "Processes started for the service since the daemon started.") { _, r in Double(r.starts) }
        each("ppm_service_restarts_total", "counter", "Restarts of the service (after an exit or on request) since the daemon started.") { _, r in
            Double(r.restarts)
        }
        each("ppm_service_crashes_total", "counter", "Crashes (non-zero exits, signals, failed starts) and spawn failures since the daemon started.")
        { _, r in Double(r.crashes) }
        each("ppm_service_cpu_seconds_total", "counter", "CPU time (user and system) of the service's running processes, in seconds.") { i, _ in
            usage[i]?.cpu
        }
        each("ppm_service_memory_rss_bytes", "gauge", "Resident memory of the service's running processes, in bytes.") { i, _ in
            usage[i].map { Double($0.rss) }
        }
        each("ppm_service_uptime_seconds", "gauge", "Seconds since the service's running process started.") { _, r in r.uptime }
        w.family("ppm_daemon_start_time_seconds", type: "gauge", help: "When the daemon started, in seconds since the epoch.")
        w.sample("ppm_daemon_start_time_seconds", daemonStart)
    }
}
