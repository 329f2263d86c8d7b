import Glibc

/// The clocks a client reads (PPMRuntime's `SystemClock`, which this
/// module does not link): monotonic seconds for waits, wall seconds since
/// 1970 for times shown.
package enum ClientClock {
    /// Seconds on CLOCK_MONOTONIC (never steps).
    package static func monotonic() -> Double { read(CLOCK_MONOTONIC) }

    /// Seconds since 1970 on CLOCK_REALTIME.
    package static func wall() -> Double { read(CLOCK_REALTIME) }

    private static func read(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
