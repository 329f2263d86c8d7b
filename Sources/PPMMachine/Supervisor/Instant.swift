/// A moment, on the monotonic clock (durations, timers) and the wall clock
/// (event times).
public struct Instant: Sendable, Equatable {
    public var monotonic: Double
    public var wall: Double

    public init(monotonic: Double, wall: Double) {
        self.monotonic = monotonic
        self.wall = wall
    }
}
