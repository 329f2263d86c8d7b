/// A copy of one service's state, for `ppm.get`, `ls` and `show`.
package struct ServiceSnapshot: Sendable {
    /// Its spec; a change to it drops `specFragments`, which no longer match.
    package var spec: ServiceSpec {
        didSet { specFragments = nil }
    }
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
    /// The spec's members already written as JSON text (kept by the service
    /// until its spec changes); `write(to:)` copies them. Not a member.
    package var specFragments: SpecFragments?

    package var name: String { spec.name }

    /// The service object of SPEC 3 (`show --json`, `ppm.get`).
    package var json: JSONValue {
        var object = ObjectMembers()
        members(&object)
        return .object(object.members)
    }

    /// The names of the service object's members, in the order they are written.
    package static let memberNames: [String] = {
        var names = NameMembers()
        var sample = ServiceSnapshot(spec: ServiceSpec(name: "", cmd: []), state: .created, pid: nil, starts: 0, restarts: 0, crashes: 0)
        sample.cgroup = ""
        sample.members(&names)
        return names.names
    }()

    /// Which of `memberNames` a listing asks for (`ls` with `fields`).
    package struct Selection: Sendable {
        fileprivate let wanted: [Bool]

        /// The members named in `names` (each one of `memberNames`).
        package init(_ names: Set<String>) { wanted = ServiceSnapshot.memberNames.map(names.contains) }
    }

    /// Appends the service object to `writer`: the bytes `json.bytes` gives,
    /// written member by member without building a value first (`ls`
    /// writes ten thousand of them). With `only`, just those members.
    package func write(to writer: inout JSONWriter, only: Selection? = nil) {
        var direct = WrittenMembers(wanted: only?.wanted, fragments: specFragments)
        swap(&direct.writer, &writer)
        direct.writer.appendByte(UInt8(ascii: "{"))
        members(&direct)
        direct.writer.appendByte(UInt8(ascii: "}"))
        swap(&direct.writer, &writer)
    }

    /// Each member of the service object, in key order (what `json` and
    /// `write(to:)` share; `write` relies on the order). Every member is
    /// put, even one left out when nil (`cgroup`), so each has its index.
    /// `SpecFragments.specMembers` names those that depend on `spec` alone.
    func members(_ put: inout some SnapshotMembers) {
        put.bool("autostart", spec.autostart)
        put.string("blocked", blocked)
        put.string("cgroup", cgroup, omittedWhenNil: true)
        put.strings("cmd", spec.cmd)
        put.int("crashes", Int64(crashes))
        put.string("dir", spec.dir)
        put.env("env", spec.env)
        put.int("errno", errno.map(Int64.init))
        put.strings("groups", spec.groups)
        put.string("health", health?.rawValue)
        put.string("health_check", spec.healthCheck)
        put.strings("hooks", spec.scriptedFields)
        put.string("last_error", lastError)
        put.value(
            "last_exit",
            lastExit.map { e in
                var o: [String: JSONValue] = [
                    "result": .init(e.result), "signal": .init(e.signal), "runtime": .double(e.runtime), "time": .double(e.time),
                ]
                if let errno = e.errno { o["errno"] = .init(errno) }
                return .object(o)
            } ?? .null)
        put.string("name", name)
        put.bool("once", spec.once)
        put.int("pid", pid.map(Int64.init))
        put.string("probe_message", probeMessage)
        put.string("ready", spec.ready.kind)
        put.strings("requires", spec.requires)
        put.string("restart", spec.restart.rawValue)
        put.int("restarts", Int64(restarts))
        put.bool("scheduled", scheduled)
        put.int("spawn_failures", Int64(spawnFailures))
        put.int("starts", Int64(starts))
        put.double("starts_in", startsIn)
        put.string("state", state.rawValue)
        put.string("stderr", stderrPath)
        put.string("stdout", stdoutPath)
        put.string("stop_signal", Signals.name(spec.stopSignal))
        put.double("stop_timeout", stopTimeout)
        put.bool("stopping_notified", stoppingNotified)
        put.double("uptime", uptime)
        put.string("user", spec.user)
        put.strings("waiting_for", waitingFor)
    }
}
