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

    /// Whether a service in this state with this health verdict passes
    /// `ppm-lua health` and `/readyz`: up and not unhealthy, or a `once` job
    /// that finished (exited 0: a done migration keeps no container unhealthy).
    package func passesHealth(_ health: Health?, once: Bool) -> Bool {
        (isUp && health != .unhealthy) || (once && self == .finished)
    }
}
