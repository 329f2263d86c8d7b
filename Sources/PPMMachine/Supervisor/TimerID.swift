/// A timer of one service. `serial` tells a stale firing from the current one.
public struct TimerID: Sendable, Hashable {
    /// What the timer is for.
    public enum Kind: Sendable, Hashable {
        /// A delayed start or restart (backoff, `start_after`, `after =`).
        case start
        /// SIGKILL once a stop has waited `stop_timeout`.
        case kill
        /// The periodic restart of `bounce`.
        case bounce
        /// `ready_timeout`: the start failed if not ready by then.
        case ready
        /// The next readiness probe or health check.
        case probe
        /// `watchdog`: no `WATCHDOG=1` since it was armed makes the service unhealthy.
        case watchdog
    }

    public let name: String
    public let kind: Kind
    public let serial: Int

    public init(name: String, kind: Kind, serial: Int) {
        self.name = name
        self.kind = kind
        self.serial = serial
    }
}
