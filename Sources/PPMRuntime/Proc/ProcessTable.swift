import Glibc
import SystemCalls

/// Every process in /proc, read in one pass: each `/proc/PID/stat` goes
/// through one reused byte buffer and is parsed without making Strings.
/// Processes that vanish during the scan are skipped.
package struct ProcessTable: Sendable {
    /// One entry per process, in /proc's order.
    package let entries: [ProcessEntry]

    /// Clock ticks per second (`_SC_CLK_TCK`).
    package static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    /// Bytes per page (`_SC_PAGESIZE`).
    package static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// A table of these entries (for tests).
    package init(entries: [ProcessEntry]) {
        self.entries = entries
    }

    /// Reads /proc now.
    package static func read() -> ProcessTable { ProcessTable(entries: entries(of: pids()[...])) }

    /// One process's entry now (nil if it is gone).
    package static func entry(_ pid: Int32) -> ProcessEntry? { entries(of: [pid]).first }

    /// The pids /proc lists now, in its order.
    static func pids() -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        pids.reserveCapacity(512)
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let dirent = readdir(dir) {
            let name = UnsafeRawPointer(dirent).advanced(by: nameOffset).assumingMemoryBound(to: UInt8.self)
            if let pid = pid(named: name) { pids.append(pid) }
        }
        return pids
    }

    /// The entries of those of `pids` that still exist, in the same order.
    static func entries(of pids: ArraySlice<Int32>, reader: KernelFileReader = KernelFileReader()) -> [ProcessEntry] {
        var entries: [ProcessEntry] = []
        entries.reserveCapacity(pids.count)
        // Each file is opened from /proc: a walk of two components, not three.
        let proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard proc >= 0 else { return [] }
        defer { close(proc) }
        for pid in pids {
            if let line = reader.stat(of: pid, under: proc), let entry = parseStat(line, pid: pid) {
                entries.append(entry)
            }
        }
        return entries
    }

    /// Those of `groups` that still run: `kill(-pgid, 0)` also reaches
    /// zombies, and an adopted service's ended members stay zombies until
    /// whoever inherited them reaps them (seconds, for some inits). A group
    /// with a member that is not a zombie runs; so does one `kill` reaches
    /// but /proc does not show (another user's, under `hidepid`).
    package func runningGroups(among groups: Set<Int32>) -> Set<Int32> {
        var seen: Set<Int32> = []
        var running: Set<Int32> = []
        for entry in entries where groups.contains(entry.pgrp) {
            seen.insert(entry.pgrp)
            if !entry.zombie { running.insert(entry.pgrp) }
        }
        return running.union(groups.filter { !seen.contains($0) && (kill(-$0, 0) == 0 || errno == EPERM) })
    }

    /// The members of each of `groups`, by pid (groups with no process are left out).
    package func members(of groups: Set<Int32>) -> [Int32: [ProcessEntry]] {
        var found: [Int32: [ProcessEntry]] = [:]
        for entry in entries where groups.contains(entry.pgrp) {
            found[entry.pgrp, default: []].append(entry)
        }
        return found.mapValues { $0.sorted { $0.pid < $1.pid } }
    }

    /// The pid a /proc directory entry names, if its name is all digits.
    static func pid(named name: UnsafePointer<UInt8>) -> Int32? {
        var pid: Int32 = 0
        var length = 0
        while name[length] != 0 {
            let digit = name[length] &- UInt8(ascii: "0")
            guard digit < 10, length < 10 else { return nil }
            pid = pid &* 10 &+ Int32(digit)
            length += 1
        }
        return length > 0 ? pid : nil
    }

    /// Parses a `/proc/PID/stat` line. The command (field 2) is in
    /// parentheses and may itself hold spaces and ')', so fields are counted
    /// from the last ')'.
    static func parseStat(_ line: UnsafeBufferPointer<UInt8>, pid: Int32) -> ProcessEntry? {
        guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var entry = ProcessEntry(pid: pid, pgrp: 0, ticks: 0, start: 0, rssPages: 0)
        var field = 3
        var at = close + 2
        entry.zombie = at < line.count && line[at] == UInt8(ascii: "Z")
        entry.stopped = at < line.count && line[at] == UInt8(ascii: "T")
        while at < line.count && field <= 24 {
            var end = at
            while end < line.count && line[end] != UInt8(ascii: " ") && line[end] != UInt8(ascii: "\n") { end += 1 }
            switch field {
            case 4: entry.ppid = Int32(truncatingIfNeeded: number(line, at..<end))
            case 5: entry.pgrp = Int32(truncatingIfNeeded: number(line, at..<end))
            case 14, 15: entry.ticks += UInt64(max(0, number(line, at..<end)))
            case 22: entry.start = UInt64(max(0, number(line, at..<end)))
            case 24: entry.rssPages = number(line, at..<end)
            default: break
            }
            field += 1
            at = end + 1
        }
        return field > 24 ? entry : nil
    }

    /// A decimal field, possibly negative.
    private static func number(_ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64 {
        var value: Int64 = 0
        var negative = false
        for i in range {
            let b = line[i]
            if b == UInt8(ascii: "-") && i == range.lowerBound {
                negative = true
            } else {
                value = value &* 10 &+ Int64(b &- UInt8(ascii: "0"))
            }
        }
        return negative ? -value : value
    }
}
