/// The default restart delay (SPEC 5.1): `interval * 2^(n-1)` seconds for
/// the n-th quick exit in a row, capped at `max`; n starts again once a run
/// lasted `resetAfter` seconds.
package struct Backoff: Sendable, Equatable {
    package var interval: Double = 1
    package var max: Double = 60
    package var resetAfter: Double = 10

    package init(interval: Double = 1, max: Double = 60, resetAfter: Double = 10) {
        self.interval = interval
        self.max = max
        self.resetAfter = resetAfter
    }

    /// The delay before restart number `n` (1-based) of a streak.
    package func delay(_ n: Int) -> Double {
        let exponent = Swift.max(0, Swift.min(n - 1, 62))
        return Swift.min(interval * Double(UInt64(1) << UInt64(exponent)), max)
    }
}
