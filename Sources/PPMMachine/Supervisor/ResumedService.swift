/// What a re-executed daemon carries over for one service besides its
/// process: counters, the last exit, a state it must not leave at boot, and
/// the time left before a delayed start.
public struct ResumedService: Sendable, Equatable {
    public var state: ServiceState
    public var held: Bool
    public var starts: Int
    public var restarts: Int
    public var crashes: Int
    public var lastExit: LastExit?
    /// Seconds left before a `waiting` service's delayed start (backoff,
    /// `start_after`, `after =`); nil when none is armed.
    public var startsIn: Double?

    public init(state: ServiceState, held: Bool, starts: Int, restarts: Int, crashes: Int, lastExit: LastExit?,
                startsIn: Double? = nil) {
        self.state = state
        self.held = held
        self.starts = starts
        self.restarts = restarts
        self.crashes = crashes
        self.lastExit = lastExit
        self.startsIn = startsIn
    }
}
