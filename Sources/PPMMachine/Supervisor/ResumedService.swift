/// What a re-executed daemon carries over for one service besides its
/// process: counters, the last exit, a state it must not leave at boot, and
/// the time left before a delayed start.
package struct ResumedService: Sendable, Equatable {
    package var state: ServiceState
    package var held: Bool
    package var starts: Int
    package var restarts: Int
    package var crashes: Int
    package var lastExit: LastExit?
    /// Seconds left before a `waiting` service's delayed start (backoff,
    /// `start_after`, `after =`); nil when none is armed.
    package var startsIn: Double?

    package init(
        state: ServiceState, held: Bool, starts: Int, restarts: Int, crashes: Int, lastExit: LastExit?,
        startsIn: Double? = nil
    ) {
        self.state = state
        self.held = held
        self.starts = starts
        self.restarts = restarts
        self.crashes = crashes
        self.lastExit = lastExit
        self.startsIn = startsIn
    }
}
