/// The default restart delay (SPEC 5.1): `interval * 2^(n-1)` seconds for
/// the n-th quick exit in a row, capped at `max`; n starts again once a run
/// lasted `resetAfter` seconds.
public struct Backoff: Sendable, Equatable {
    public var interval: Double = 1
    public var max: Double = 60
    public var resetAfter: Double = 10

    public init(interval: Double = 1, max: Double = 60, resetAfter: Double = 10) {
        self.interval = interval
        self.max = max
        self.resetAfter = resetAfter
    }

    /// The delay before restart number `n` (1-based) of a streak.
    public func delay(_ n: Int) -> Double {
        let exponent = Swift.max(0, Swift.min(n - 1, 62))
        return Swift.min(interval * Double(UInt64(1) << UInt64(exponent)), max)
    }
}
