import Foundation

/// CPU and memory of a process group, read from /proc on demand.
public enum ProcessStats {
    /// `{cpu, rss, pids}` for the group: CPU percent averaged since each
    /// process started, resident memory in bytes, and the member pids.
    public static func group(_ pgid: Int32) -> JSONValue {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        let uptime = (FileContents.read("/proc/uptime")?.split(separator: " ").first).flatMap { Double($0) } ?? 0
        var cpu = 0.0, rss = 0.0
        var pids: [JSONValue] = []
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = FileContents.read("/proc/\(entry)/stat"), let close = stat.lastIndex(of: ")") else { continue }
            // Fields after the command: state(3) ppid(4) pgrp(5) … utime(14) stime(15) … starttime(22) vsize(23) rss(24).
            let f = stat[stat.index(after: close)...].split(separator: " ")
            guard f.count > 21, Int32(f[2]) == pgid, let pid = Int64(entry) else { continue }
            let used = ((Double(f[11]) ?? 0) + (Double(f[12]) ?? 0)) / ticks
            let age = uptime - (Double(f[19]) ?? 0) / ticks
            if age > 0 { cpu += used / age * 100 }
            rss += (Double(f[21]) ?? 0) * page
            pids.append(.int(pid))
        }
        return .object(["cpu": .double((cpu * 10).rounded() / 10), "rss": .int(Int64(rss)), "pids": .array(pids)])
    }
}
