import Glibc

/// When a process that has exited but is not reaped yet (a zombie) last
/// ran: about when it exited, for an exit noticed late (a daemon that was
/// stopped, or an image that re-executed meanwhile). Its runtime is then
/// counted up to there, not up to when the daemon noticed.
public enum ProcessEnd {
    /// The monotonic time (`SystemClock.monotonic`, seconds) at which zombie
    /// `pid` last ran (`se.exec_start` of /proc/PID/sched, the scheduler's
    /// clock); nil when it is not a zombie or the kernel does not say.
    public static func lastRan(_ pid: Int32) -> Double? {
        guard isZombie(pid), let ran = execStart("/proc/\(pid)/sched"), let offset = clockOffset() else { return nil }
        return ran + offset
    }

    /// `se.exec_start` of a sched file, in seconds of the scheduler's clock.
    static func execStart(_ path: String) -> Double? {
        guard let text = KernelFile.text(path) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("se.exec_start") {
            guard let value = line.split(separator: ":").last?.split(separator: " ").first, let ms = Double(value) else { return nil }
            return ms / 1000
        }
        return nil
    }

    /// The monotonic clock minus the scheduler's (they differ by a steady
    /// offset, 0.45 s on a VM here): this thread's `se.exec_start` right
    /// after a sleep is the moment it was scheduled in, i.e. now. Measured
    /// again after a minute (the monotonic clock is slewed by NTP).
    static func clockOffset() -> Double? {
        let now = SystemClock.monotonic()
        if let (offset, at) = measured, now - at < 60 { return offset }
        var pause = timespec(tv_sec: 0, tv_nsec: 1000)
        nanosleep(&pause, nil)
        guard let ran = execStart("/proc/thread-self/sched") else { return nil }
        let offset = SystemClock.monotonic() - ran
        measured = (offset, now)
        return offset
    }

    /// The last offset measured, and when (the loop's thread only).
    nonisolated(unsafe) private static var measured: (offset: Double, at: Double)?

    /// Whether `pid` has exited and waits to be reaped (state Z).
    public static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = KernelFile.bytes("/proc/\(pid)/stat"), let close = stat.lastIndex(of: UInt8(ascii: ")")),
              close + 2 < stat.count else { return false }
        return stat[close + 2] == UInt8(ascii: "Z")
    }
}
