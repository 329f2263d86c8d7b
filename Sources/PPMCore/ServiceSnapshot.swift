/// A copy of one service's state, for `ppm.get`, `ls` and `show`.
public struct ServiceSnapshot: Sendable {
    public var spec: ServiceSpec
    public var state: ServiceState
    public var pid: Int32?
    public var starts: Int
    public var restarts: Int
    public var crashes: Int
    /// Seconds since the running process started.
    public var uptime: Double?
    public var lastExit: LastExit?
    /// Where the service's output goes (nil: inherited from the daemon).
    public var stdoutPath: String?
    public var stderrPath: String?
    /// Spawn failures in a row (5 make the service fatal).
    public var spawnFailures = 0
    /// Why the last spawn failed, until one succeeds.
    public var lastError: String?
    /// Seconds until a delayed start or restart (backoff, `start_after`, `after =`).
    public var startsIn: Double?
    /// The `requires` it waits for: those not running while it waits.
    public var waitingFor: [String] = []
    /// Seconds between the stop signal and SIGKILL (its own or the daemon's default).
    public var stopTimeout: Double = 10
    /// Stopped on request: stays down until started on request.
    public var held = false

    public var name: String { spec.name }

    /// The service object of SPEC 3 (`ls --json`, `show --json`).
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(name), "state": .string(state.rawValue), "pid": .init(pid),
            "starts": .init(starts), "restarts": .init(restarts), "crashes": .init(crashes),
            "uptime": .init(uptime), "cmd": .init(spec.cmd), "autostart": .bool(spec.autostart),
            "groups": .init(spec.groups), "requires": .init(spec.requires),
            "restart": .string(spec.restart.rawValue), "once": .bool(spec.once),
            "stdout": .init(stdoutPath), "stderr": .init(stderrPath),
            "dir": .init(spec.dir), "user": .init(spec.user),
            "env": .object(spec.env.mapValues { .string($0) }),
            "stop_signal": .string(Signals.name(spec.stopSignal)), "stop_timeout": .double(stopTimeout),
            "hooks": .init(spec.scriptedFields), "spawn_failures": .init(spawnFailures), "last_error": .init(lastError),
            "starts_in": .init(startsIn), "waiting_for": .init(waitingFor),
        ]
        if let e = lastExit {
            o["last_exit"] = .object([
                "result": .init(e.result), "signal": .init(e.signal),
                "runtime": .double(e.runtime), "time": .double(e.time),
            ])
        } else {
            o["last_exit"] = .null
        }
        return .object(o)
    }
}
