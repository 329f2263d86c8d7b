/// A copy of one service's state, for `ppm.get`, `ls` and `show`.
package struct ServiceSnapshot: Sendable {
    package var spec: ServiceSpec
    package var state: ServiceState
    package var pid: Int32?
    package var starts: Int
    package var restarts: Int
    package var crashes: Int
    /// Seconds since the running process started.
    package var uptime: Double?
    package var lastExit: LastExit?
    /// Where the service's output goes (nil: inherited from the daemon).
    package var stdoutPath: String?
    package var stderrPath: String?
    /// Spawn failures in a row (5 make the service fatal).
    package var spawnFailures = 0
    /// Crashes and spawn failures since the daemon started (not in the service object: a metric).
    package var crashesTotal = 0
    /// Why the last spawn failed, until one succeeds.
    package var lastError: String?
    /// Seconds until a delayed start or restart (backoff, `start_after`, `after =`).
    package var startsIn: Double?
    /// Whether that start is a schedule's next time (`cron`): idle, not restarting.
    package var scheduled = false
    /// The `requires` it waits for: those not running while it waits.
    package var waitingFor: [String] = []
    /// Seconds between the stop signal and SIGKILL (its own or the daemon's default).
    package var stopTimeout: Double = 10
    /// Stopped on request: stays down until started on request.
    package var held = false
    /// Why a waiting service will not start: a service it requires can no
    /// longer meet its condition (`requires = { migrate = "succeeded" }`).
    package var blocked: String?
    /// The last health checks' verdict (nil: no check, or none yet).
    package var health: Health?
    /// The last readiness probe's or health check's message.
    package var probeMessage: String?
    /// The process group of its current run (the group of `pid` unless
    /// sd_notify's `MAINPID=` named another main process). Not a member of
    /// the service object.
    package var pgid: Int32?
    /// The last sd_notify `ERRNO=` of the current run.
    package var errno: Int32?
    /// The current run sent sd_notify's `STOPPING=1`.
    package var stoppingNotified = false
    /// What another image or the next daemon keeps of the current run
    /// (readiness, health, sd_notify notes). Not a member of the service object.
    package var kept: KeptRun?
    /// The service's cgroup directory, when services run in cgroups (the
    /// daemon fills it in; the member is left out otherwise).
    package var cgroup: String?

    package var name: String { spec.name }

    /// The service object of SPEC 3 (`show --json`, `ppm.get`).
    package var json: JSONValue {
        var o: [String: JSONValue] = [:]
        members { key, value in o[key.description] = value }
        return .object(o)
    }

    /// The names of the service object's members, in the order they are written.
    package static let memberNames: [String] = {
        var names: [String] = []
        var sample = ServiceSnapshot(spec: ServiceSpec(name: "", cmd: []), state: .created, pid: nil, starts: 0, restarts: 0, crashes: 0)
        sample.cgroup = ""
        sample.members { key, _ in names.append(key.description) }
        return names
    }()

    /// Appends the service object to `writer`: the bytes `json.bytes` gives,
    /// without building a dictionary first (`ls` writes a thousand of them).
    /// With `only`, just those members.
    package func write(to writer: inout JSONWriter, only: Set<String>? = nil) {
        writer.appendByte(UInt8(ascii: "{"))
        var first = true
        members { key, value in
            if let only, !only.contains(key.description) { return }
            if !first { writer.appendByte(UInt8(ascii: ",")) }
            first = false
            writer.writeKey(key)
            writer.write(value)
        }
        writer.appendByte(UInt8(ascii: "}"))
    }

    /// Each member of the service object, in key order (what `json` and
    /// `write(to:)` share; `write` relies on the order).
    private func members(_ put: (StaticString, JSONValue) -> Void) {
        put("autostart", .bool(spec.autostart))
        put("blocked", .init(blocked))
        if let cgroup { put("cgroup", .string(cgroup)) }
        put("cmd", .init(spec.cmd))
        put("crashes", .init(crashes))
        put("dir", .init(spec.dir))
        put("env", .object(spec.env.mapValues { .string($0) }))
        put("errno", .init(errno))
        put("groups", .init(spec.groups))
        put("health", .init(health?.rawValue))
        put("health_check", .init(spec.healthCheck))
        put("hooks", .init(spec.scriptedFields))
        put("last_error", .init(lastError))
        put(
            "last_exit",
            lastExit.map { e in
                var o: [String: JSONValue] = [
                    "result": .init(e.result), "signal": .init(e.signal), "runtime": .double(e.runtime), "time": .double(e.time),
                ]
                if let errno = e.errno { o["errno"] = .init(errno) }
                return .object(o)
            } ?? .null)
        put("name", .string(name))
        put("once", .bool(spec.once))
        put("pid", .init(pid))
        put("probe_message", .init(probeMessage))
        put("ready", .string(spec.ready.kind))
        put("requires", .init(spec.requires))
        put("restart", .string(spec.restart.rawValue))
        put("restarts", .init(restarts))
        put("scheduled", .bool(scheduled))
        put("spawn_failures", .init(spawnFailures))
        put("starts", .init(starts))
        put("starts_in", .init(startsIn))
        put("state", .string(state.rawValue))
        put("stderr", .init(stderrPath))
        put("stdout", .init(stdoutPath))
        put("stop_signal", .string(Signals.name(spec.stopSignal)))
        put("stop_timeout", .double(stopTimeout))
        put("stopping_notified", .bool(stoppingNotified))
        put("uptime", .init(uptime))
        put("user", .init(spec.user))
        put("waiting_for", .init(waitingFor))
    }
}
