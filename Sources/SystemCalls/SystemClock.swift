import Glibc

/// The machine's two clocks read directly, for code that has no `Scheduler`
/// at hand: monotonic seconds for durations, wall seconds since 1970 for
/// times shown to people.
package enum SystemClock {
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
