import CSystem
import Glibc
import SystemCalls

/// When a process that has exited but is not reaped yet (a zombie) last
/// ran: about when it exited, for an exit noticed late (a daemon that was
/// stopped, or an image that re-executed meanwhile). Its runtime is then
/// counted up to there, not up to when the daemon noticed.
package enum ProcessEnd {
    /// The monotonic time (`SystemClock.monotonic`, seconds) at which zombie
    /// `pid` last ran (`se.exec_start` of /proc/PID/sched, on the task clock
    /// of the CPU it last ran on); nil when it is not a zombie or the kernel does not say.
    package static func lastRan(_ pid: Int32) -> Double? {
        guard let (state, cpu) = stateAndCPU(pid), state == UInt8(ascii: "Z"),
            let ran = execStart("/proc/\(pid)/sched"), let estimate = clockOffset(cpu: cpu, within: .infinity)
        else { return nil }
        // Most exits are seen at once: an older offset tells. One that looks
        // late is measured again (the clocks drift apart: steal time, NTP).
        guard SystemClock.monotonic() - (ran + estimate) > 0.25 else { return ran + estimate }
        return clockOffset(cpu: cpu, within: 1).map { ran + $0 }
    }

    /// Whether `pid` has exited and waits to be reaped (state Z).
    package static func isZombie(_ pid: Int32) -> Bool { stateAndCPU(pid)?.state == UInt8(ascii: "Z") }

    /// `se.exec_start` of a sched file, in seconds of the scheduler's clock.
    static func execStart(_ path: String) -> Double? {
        KernelFile.bytes(path).flatMap(execStart(in:))
    }

    /// `se.exec_start` in the bytes of a sched file: "se.exec_start   :   123.456"
    /// (milliseconds). A scan over the bytes: read at every exit, where
    /// splitting the whole file into strings cost more than the rest of the exit.
    static func execStart(in bytes: [UInt8]) -> Double? {
        let key = Array("se.exec_start".utf8)
        let newline = UInt8(ascii: "\n")
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: newline) ?? bytes.endIndex
            let line = bytes[start..<end]
            start = end + 1
            guard line.starts(with: key) else { continue }
            guard let colon = line.lastIndex(of: UInt8(ascii: ":")) else { return nil }
            let value = line[(colon + 1)...].drop { $0 == UInt8(ascii: " ") }.prefix { $0 != UInt8(ascii: " ") }
            return Double(String(decoding: value, as: UTF8.self)).map { $0 / 1000 }
        }
        return nil
    }

    /// The state (field 3 of /proc/PID/stat) and the CPU it last ran on (field 39).
    static func stateAndCPU(_ pid: Int32) -> (state: UInt8, cpu: Int32)? {
        guard let stat = KernelFile.bytes("/proc/\(pid)/stat"), let close = stat.lastIndex(of: UInt8(ascii: ")")),
            close + 2 < stat.count
        else { return nil }
        let fields = stat[(close + 2)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 36, let cpu = Int32(String(decoding: fields[fields.startIndex + 36], as: UTF8.self)) else { return nil }
        return (stat[close + 2], cpu)
    }

    /// The monotonic clock minus `cpu`'s task clock, measured within the
    /// last `seconds` (again if the last measure is older).
    static func clockOffset(cpu: Int32, within seconds: Double) -> Double? {
        let now = SystemClock.monotonic()
        if let (offset, at) = measured[cpu], now - at < seconds { return offset }
        var offset = 0.0
        guard ppm_sched_clock_offset(cpu, &offset) == 0 else { return nil }
        measured[cpu] = (offset, now)
        return offset
    }

    /// Offsets measured, by CPU, and when (the loop's thread only).
    nonisolated(unsafe) private static var measured: [Int32: (offset: Double, at: Double)] = [:]
}
