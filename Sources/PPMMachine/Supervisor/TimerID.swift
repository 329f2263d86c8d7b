/// A timer of one service. `serial` tells a stale firing from the current one.
package struct TimerID: Sendable, Hashable {
    /// What the timer is for.
    package enum Kind: Sendable, Hashable {
        /// A delayed start or restart (backoff, `start_after`, `after =`).
        case start
        /// The next step of the stop ladder (SIGKILL after the last) once a
        /// step has waited its time.
        case kill
        /// The periodic restart of `bounce`.
        case bounce
        /// `ready_timeout`: the start failed if not ready by then.
        case ready
        /// The next readiness probe or health check.
        case probe
        /// `watchdog`: no `WATCHDOG=1` since it was armed makes the service unhealthy.
        case watchdog
        /// The next batch of the boot (no service: `name` is empty).
        case boot
    }

    package let name: String
    package let kind: Kind
    package let serial: Int

    package init(name: String, kind: Kind, serial: Int) {
        self.name = name
        self.kind = kind
        self.serial = serial
    }
}
