import Glibc

/// What `stats` needs from one process's `/proc/PID/stat`.
public struct ProcessEntry: Sendable, Equatable {
    /// The process id.
    public var pid: Int32
    /// Its process group (field 5).
    public var pgrp: Int32
    /// CPU time used, user + system, in clock ticks (fields 14 + 15).
    public var ticks: UInt64
    /// When it started, in clock ticks since boot (field 22); with `pid`
    /// it tells a process from a later one that reused its pid.
    public var start: UInt64
    /// Resident pages (field 24).
    public var rssPages: Int64

    /// An entry with these fields.
    public init(pid: Int32, pgrp: Int32, ticks: UInt64, start: UInt64, rssPages: Int64) {
        self.pid = pid
        self.pgrp = pgrp
        self.ticks = ticks
        self.start = start
        self.rssPages = rssPages
    }
}

/// Every process in /proc, read in one pass: each `/proc/PID/stat` goes
/// through one reused byte buffer and is parsed without making Strings.
/// Processes that vanish during the scan are skipped.
public struct ProcessTable: Sendable {
    /// One entry per process, in /proc's order.
    public let entries: [ProcessEntry]

    /// Clock ticks per second (`_SC_CLK_TCK`).
    public static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    /// Bytes per page (`_SC_PAGESIZE`).
    public static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// A table of these entries (for tests).
    public init(entries: [ProcessEntry]) {
        self.entries = entries
    }

    /// Reads /proc now.
    public static func read() -> ProcessTable {
        guard let dir = opendir("/proc") else { return ProcessTable(entries: []) }
        defer { closedir(dir) }
        var entries: [ProcessEntry] = []
        entries.reserveCapacity(512)
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        var path = [CChar](repeating: 0, count: 32)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 4096)
        defer { buffer.deallocate() }
        while let dirent = readdir(dir) {
            let name = UnsafeRawPointer(dirent).advanced(by: nameOffset).assumingMemoryBound(to: UInt8.self)
            guard let pid = statPath(name, into: &path) else { continue }
            let count = readFile(path, into: buffer)
            if count > 0, let entry = parseStat(UnsafeBufferPointer(rebasing: buffer[..<count]), pid: pid) {
                entries.append(entry)
            }
        }
        return ProcessTable(entries: entries)
    }

    /// The members of each of `groups`, by pid (groups with no process are left out).
    public func members(of groups: Set<Int32>) -> [Int32: [ProcessEntry]] {
        var found: [Int32: [ProcessEntry]] = [:]
        for entry in entries where groups.contains(entry.pgrp) {
            found[entry.pgrp, default: []].append(entry)
        }
        return found.mapValues { $0.sorted { $0.pid < $1.pid } }
    }

    /// Writes `/proc/NAME/stat` into `path` when the directory entry's
    /// name is all digits, and returns the pid it names.
    private static func statPath(_ name: UnsafePointer<UInt8>, into path: inout [CChar]) -> Int32? {
        var pid: Int32 = 0
        var length = 0
        while name[length] != 0 {
            let digit = name[length] &- UInt8(ascii: "0")
            guard digit < 10, length < 10 else { return nil }
            pid = pid &* 10 &+ Int32(digit)
            length += 1
        }
        guard length > 0 else { return nil }
        var at = 0
        for byte in "/proc/".utf8 {
            path[at] = CChar(bitPattern: byte)
            at += 1
        }
        for i in 0..<length {
            path[at] = CChar(bitPattern: name[i])
            at += 1
        }
        for byte in "/stat".utf8 {
            path[at] = CChar(bitPattern: byte)
            at += 1
        }
        path[at] = 0
        return pid
    }

    /// Reads up to the buffer's size; 0 when the file cannot be read.
    private static func readFile(_ path: [CChar], into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var count = 0
        while count < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return 0 }
            if n == 0 { break }
            count += n
        }
        return count
    }

    /// Parses a `/proc/PID/stat` line. The command (field 2) is in
    /// parentheses and may itself hold spaces and ')', so fields are counted
    /// from the last ')'.
    static func parseStat(_ line: UnsafeBufferPointer<UInt8>, pid: Int32) -> ProcessEntry? {
        guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var entry = ProcessEntry(pid: pid, pgrp: 0, ticks: 0, start: 0, rssPages: 0)
        var field = 3
        var at = close + 2
        while at < line.count && field <= 24 {
            var end = at
            while end < line.count && line[end] != UInt8(ascii: " ") && line[end] != UInt8(ascii: "\n") { end += 1 }
            switch field {
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
