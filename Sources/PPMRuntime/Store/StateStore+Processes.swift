import CSystem
import Glibc
package import PPMMachine

/// What a store remembers besides run-time services: the process groups
/// recorded by a previous daemon (adoption at start).
extension StateStore {
    /// The recorded process groups whose leader still runs (same pid, same
    /// start time), by service name.
    package func leftovers() -> [(name: String, pid: Int32)] {
        processes.compactMap { name, p in Self.startTime(p.pid) == p.start ? (name, p.pid) : nil }.sorted { $0.name < $1.name }
    }

    /// What was noted of each recorded run (readiness, health, sd_notify notes), by service name.
    package func keptRuns() -> [String: KeptRun] { processes.compactMapValues(\.kept) }

    /// The recorded process groups whose main process is gone while members
    /// remain (a stop was draining them when the daemon died; or the main
    /// process set by `MAINPID=` ended). A pid is not given out again while
    /// a group still uses it, so these are the same groups.
    package func strays() -> [(name: String, pgid: Int32)] {
        processes.compactMap { name, p in
            Self.startTime(p.pid) != p.start && ppm_group_alive(p.pgid) != 0 ? (name, p.pgid) : nil
        }.sorted { $0.name < $1.name }
    }

    /// How long ago a process started, in seconds (nil if it is gone).
    package static func age(_ pid: Int32) -> Double? {
        guard let start = startTime(pid) else { return nil }
        var boot = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        let uptime = Double(boot.tv_sec) + Double(boot.tv_nsec) / 1e9
        return max(0, uptime - Double(start) / Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// When a process started, in clock ticks since boot (/proc/PID/stat field 22).
    package static func startTime(_ pid: Int32) -> UInt64? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buffer -> UInt64? in
            let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            let n = read(fd, buffer.baseAddress, buffer.count)
            close(fd)
            guard n > 0 else { return nil }
            let stat = UnsafeBufferPointer(rebasing: buffer[..<n])
            // The command may hold spaces and ')': fields start after the last ')'.
            guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
            var field = 2  // the command is field 2; the state (3) follows ") "
            var value: UInt64 = 0
            for byte in stat[(close + 1)...] {
                if byte == UInt8(ascii: " ") {
                    if field == 22 { return value }
                    field += 1
                    value = 0
                } else if field == 22, byte >= 48, byte <= 57 {
                    value = value * 10 + UInt64(byte - 48)
                }
            }
            return field == 22 ? value : nil
        }
    }
}
