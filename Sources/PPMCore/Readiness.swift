/// How a service tells that it is ready (SPEC 9, `ready =`).
public enum ReadySpec: Sendable, Equatable {
    /// Ready as soon as its process has been spawned (the default).
    case started
    /// `READY=1` over `$NOTIFY_SOCKET` (systemd's sd_notify).
    case notify
    /// A newline written to this descriptor (s6's notification-fd).
    case fd(Int32)
    /// A captured line of its stdout or stderr matches this Lua pattern.
    case log(String)
    /// A check the daemon runs every `ready_every` until it passes.
    case probe(Probe)

    /// Whether the service is `starting` after its spawn (anything but `started`).
    public var waits: Bool { self != .started }

    /// The kind's name, as `show` prints it.
    public var kind: String {
        switch self {
        case .started: "started"
        case .notify: "notify"
        case .fd: "fd"
        case .log: "log"
        case .probe(let p): p.kind
        }
    }
}

/// A check run from outside the process: readiness or health.
public enum Probe: Sendable, Equatable {
    /// A TCP connection to `HOST:PORT` succeeds.
    case tcp(String)
    /// A GET of the URL answers 2xx or 3xx.
    case http(String)
    /// The command, run as the service's user in its dir and env, exits 0.
    case exec([String])
    /// The service's Lua probe function (held by the script layer) returns true.
    case function

    /// `tcp`, `http`, `exec` or `function`.
    public var kind: String {
        switch self {
        case .tcp: "tcp"
        case .http: "http"
        case .exec: "exec"
        case .function: "function"
        }
    }
}

/// `health = {...}`: a check run while the service is ready (SPEC 9).
public struct HealthSpec: Sendable, Equatable {
    public var probe: Probe
    /// Seconds between two checks.
    public var every: Double = 30
    /// Seconds one check may take.
    public var timeout: Double = 5
    /// Failed checks in a row that make the service unhealthy.
    public var failures = 3
    /// Seconds after readiness before the first check.
    public var startPeriod: Double = 0

    public init(probe: Probe) { self.probe = probe }
}

extension ServiceSpec {
    /// How its health is checked: the probe's kind (`tcp`, `http`, `exec`,
    /// `function`), `watchdog` for a watchdog alone, nil without a check.
    public var healthCheck: String? { health?.probe.kind ?? (watchdog != nil ? "watchdog" : nil) }
}

/// What a dependent waits for in a service it requires (`requires = { db = "healthy" }`).
public enum RequireCondition: String, Sendable, Equatable {
    /// Its process has been spawned.
    case started
    /// It is ready (`running`): the default.
    case ready
    /// Ready, and its last health check passed.
    case healthy
    /// It exited with status 0 (the default for a `once` job).
    case succeeded
}

/// Whether the last health checks passed.
public enum Health: String, Sendable, Equatable {
    case healthy, unhealthy
}

/// Why a check is run: readiness (until ready) or health (while ready).
public enum ProbePurpose: Sendable, Equatable {
    case ready, health
}
