/// The states of SPEC section 4.
public enum ServiceState: String, Sendable, Codable {
    case created, waiting, starting, running, paused, stopping, stopped, finished, crashed, fatal, disabled
    /// Running, and reloading after it sent sd_notify's `RELOADING=1`, until its next `READY=1` (SPEC 9).
    case reloading

    /// Whether a process of the service may be alive in this state.
    public var hasProcess: Bool {
        self == .starting || self == .running || self == .paused || self == .stopping || self == .reloading
    }

    /// Running as far as users and dependents are concerned: `running`, or `reloading`.
    public var isUp: Bool { self == .running || self == .reloading }
}

/// How a process ended.
public enum ExitStatus: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)
    /// An adopted process ended: it was not this daemon's child, so its
    /// status cannot be read.
    case unknown

    public var result: Int32? { if case .exited(let c) = self { c } else { nil } }
    public var signal: Int32? { if case .signaled(let s) = self { s } else { nil } }
}

/// How an exit is judged (SPEC 5.2 `outcome`).
public enum Outcome: String, Sendable {
    case finished, crashed, stopped
}

/// What happens after an exit (SPEC 5.3).
public enum Decision: Sendable, Equatable {
    /// Start again, after the delay (nil: the policy's backoff delay).
    case restart(after: Double?)
    /// Stay down as finished or crashed, by outcome.
    case stop
    /// Stay down as fatal.
    case fatal
}

/// The summary of a service's last exit.
public struct LastExit: Sendable, Equatable {
    public var result: Int32?
    public var signal: Int32?
    public var runtime: Double
    public var time: Double
    /// The last sd_notify `ERRNO=` of the run, if it sent one.
    public var errno: Int32?

    public init(result: Int32?, signal: Int32?, runtime: Double, time: Double, errno: Int32? = nil) {
        self.result = result
        self.signal = signal
        self.runtime = runtime
        self.time = time
        self.errno = errno
    }
}
