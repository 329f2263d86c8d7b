/// Which run a service's health checks are for, and which of their answers
/// change nothing (the loop keeps those back). The supervisor sends it anew
/// (`tuneHealthChecks`) whenever either changes.
package struct HealthCheckTuning: Sendable, Equatable {
    /// The run's main process: every answer names it (`probed`'s pid).
    package var pid: Int32
    /// Whether a passing check with the message `quietMessage` changes
    /// nothing: the run is healthy, no failure is counted, and its last
    /// message is that one. False: every answer goes to the supervisor.
    package var quiet: Bool
    /// The message of the last check, when `quiet`.
    package var quietMessage: String?

    package init(pid: Int32, quiet: Bool = false, quietMessage: String? = nil) {
        self.pid = pid
        self.quiet = quiet
        self.quietMessage = quiet ? quietMessage : nil
    }

    /// Whether a check of the process `pid` that answered `ok` and `message` changes nothing.
    package func changesNothing(pid: Int32, ok: Bool, message: String?) -> Bool {
        quiet && ok && pid == self.pid && message == quietMessage
    }
}
