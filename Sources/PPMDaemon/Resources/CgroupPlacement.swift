import Glibc
import PPMMachine
import PPMRuntime

/// One cgroup v2 per service where the daemon may make them (see
/// `ServiceCgroups`); process groups alone elsewhere, or with
/// `ppm.settings { cgroups = false }`. Decided once at start (`setUp`):
/// a reload cannot change it.
final class CgroupPlacement {
    private let spawner: LinuxSpawner
    private let log: DaemonLog
    /// Whether the config asked for services' cgroups at start, and why they are off (nil: on).
    private(set) var setting: (asked: Bool, off: String?) = (true, nil)

    /// Services run in process groups until `setUp` makes their cgroups.
    init(spawner: LinuxSpawner, log: DaemonLog) {
        self.spawner = spawner
        self.log = log
    }

    /// Decides at start whether services get cgroups (`asked`: the
    /// config's `cgroups` setting) and makes the subtree for `home`.
    /// `limits`: whether a declared service sets cgroup limits (the
    /// controllers are then found and enabled now, else at the first need).
    func setUp(asked: Bool, home: String, limits: Bool = false) {
        setting = (asked, Self.make(asked: asked, home: home, spawner: spawner))
        if let cgroups = spawner.cgroups {
            let serviceLimits = ServiceLimits(cgroups: cgroups, hash: ServiceCgroups.hash(home))
            if limits { serviceLimits.discover() }
            spawner.limits = serviceLimits
        } else {
            spawner.limits = ServiceLimits(withoutCgroups: setting.off ?? "?")
        }
    }

    /// The cgroups the spawner puts services in; nil, or why not.
    private static func make(asked: Bool, home: String, spawner: LinuxSpawner) -> String? {
        guard asked else { return "turned off by ppm.settings { cgroups = false }" }
        switch ServiceCgroups.make(home: home) {
        case .success(let cgroups):
            spawner.cgroups = cgroups
            return nil
        case .failure(let why):
            return why.reason
        }
    }

    /// Says where services run, once the daemon serves.
    func logWhereServicesRun() {
        if let cgroups = spawner.cgroups {
            log("info", "services run in cgroups under \(cgroups.root)")
            if let limits = spawner.limits?.discovered { log("info", "cgroup limits: \(limits.description)") }
        } else {
            log("info", "services run in process groups only (no cgroup per service): \(setting.off ?? "?")")
        }
    }

    /// After adoption: ends what a previous daemon left in the cgroups of
    /// services that are not running now (a group it was stopping, strays
    /// that left their process group), and removes those cgroups.
    func sweep(_ supervisor: Supervisor) {
        guard let cgroups = spawner.cgroups else { return }
        let running = Set(supervisor.list().filter { $0.pid != nil }.map(\.name))
        for dir in cgroups.sweep(keeping: running) {
            log("warn", "killed what a previous daemon left in \(cgroups.root)/\(dir)")
        }
        spawner.limits?.removeAll(keeping: running)
    }

    /// At quit, once every service has stopped: kills what is left in the
    /// cgroups (leftovers of exits still in their stop timeout), removes them.
    func removeAll() {
        guard let cgroups = spawner.cgroups else { return }
        for dir in cgroups.removeAll() { log("info", "killed what was left in \(cgroups.root)/\(dir)") }
        spawner.limits?.removeAll()
    }

    /// A reload cannot change `cgroups`: it is read when the daemon starts.
    func noteChange(asked: Bool) {
        guard asked != setting.asked else { return }
        log("warn", "ppm.settings cgroups changed: it takes effect when the daemon restarts")
    }

    /// `status` fields: the subtree, or null and why.
    var status: [String: JSONValue] {
        if let cgroups = spawner.cgroups { return ["cgroups": .string(cgroups.root)] }
        return ["cgroups": .null, "cgroups_off": .init(setting.off)]
    }

    /// The snapshot with its cgroup filled in (when services run in cgroups).
    func withCgroup(_ snapshot: ServiceSnapshot) -> ServiceSnapshot {
        var s = snapshot
        fillCgroup(&s)
        return s
    }

    /// Fills in the snapshot's cgroup, in place (when services run in cgroups).
    func fillCgroup(_ snapshot: inout ServiceSnapshot) {
        snapshot.cgroup = spawner.cgroups?.directory(for: snapshot.name)
    }

    /// What `stats` measures for a running service.
    func statsGroup(_ snapshot: ServiceSnapshot) -> StatsGroup? {
        snapshot.pid.map { StatsGroup(pgid: $0, cgroup: spawner.cgroups?.directory(for: snapshot.name)) }
    }

    /// The service's limits with what it uses of them (`show`, `stats`):
    /// `memory_max` (bytes), `memory_high`, `cpu_max` (percent), `pids_max`,
    /// `io_weight`, `memory_current`, `pids_current`, `oom_kills`, and
    /// `unavailable`: the limits nothing enforces here. Nil without limits.
    func limits(_ spec: ServiceSpec) -> JSONValue? {
        let set = spec.limits
        guard !set.isEmpty else { return nil }
        var o: [String: JSONValue] = [:]
        if let v = set.memoryMax { o["memory_max"] = .init(v) }
        if let v = set.memoryHigh { o["memory_high"] = .init(v) }
        if let v = set.cpuMax { o["cpu_max"] = .double(v) }
        if let v = set.pidsMax { o["pids_max"] = .init(v) }
        if let v = set.ioWeight { o["io_weight"] = .init(v) }
        guard let limits = spawner.limits else { return .object(o) }
        o.merge(limits.usage(spec.name)) { a, _ in a }
        let unavailable = set.fieldNames.filter { limits.controllers.place(LimitControllers.needed([$0]).first ?? "io") == nil }
        if !unavailable.isEmpty { o["unavailable"] = .init(unavailable) }
        return .object(o)
    }
}
