/// The states of SPEC section 4.
package enum ServiceState: String, Sendable, Codable {
    case created, waiting, starting, running, paused, stopping, stopped, finished, crashed, fatal, disabled
    /// Running, and reloading after it sent sd_notify's `RELOADING=1`, until its next `READY=1` (SPEC 9).
    case reloading

    /// Whether a process of the service may be alive in this state.
    package var hasProcess: Bool {
        self == .starting || self == .running || self == .paused || self == .stopping || self == .reloading
    }

    /// Running as far as users and dependents are concerned: `running`, or `reloading`.
    package var isUp: Bool { self == .running || self == .reloading }
}
