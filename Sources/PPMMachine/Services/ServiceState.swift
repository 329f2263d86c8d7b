/// The states of SPEC section 4.
public enum ServiceState: String, Sendable, Codable {
    case created, waiting, starting, running, paused, stopping, stopped, finished, crashed, fatal, disabled

    /// Whether a process of the service may be alive in this state.
    public var hasProcess: Bool { self == .starting || self == .running || self == .paused || self == .stopping }
}
