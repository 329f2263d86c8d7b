/// A moment, on the monotonic clock (durations, timers) and the wall clock
/// (event times).
package struct Instant: Sendable, Equatable {
    package var monotonic: Double
    package var wall: Double

    package init(monotonic: Double, wall: Double) {
        self.monotonic = monotonic
        self.wall = wall
    }
}
