/// What happens after an exit (SPEC 5.3).
package enum Decision: Sendable, Equatable {
    /// Start again, after the delay (nil: the policy's backoff delay).
    case restart(after: Double?)
    /// Start again at the next time of a schedule (`cron`), `after` seconds
    /// from now: an idle wait, not a restart (not counted in `restarts`).
    case schedule(after: Double)
    /// Stay down as finished or crashed, by outcome.
    case stop
    /// Stay down as fatal.
    case fatal
}
