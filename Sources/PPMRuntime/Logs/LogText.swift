import CSystem
import Glibc
package import PPMMachine

/// Reading log text back: lines of a byte range, the last lines of a file
/// (and its first rotated file), timestamps added and removed.
package enum LogText {
    /// Length of the `2026-11-23T16:50:00.123Z ` prefix `log_timestamps` adds.
    static let timestampLength = 25

    /// The lines of `bytes` (newlines removed); a partial first line is
    /// dropped when asked, a final line without newline is kept.
    static func lines(_ bytes: ArraySlice<UInt8>, droppingPartialFirst: Bool) -> [String] {
        var parts = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        if droppingPartialFirst, !parts.isEmpty { parts.removeFirst() }
        return parts.map { String(decoding: $0, as: UTF8.self) }
    }

    /// A stored line without the timestamp `log_timestamps` put in front.
    static func withoutTimestamp(_ line: String) -> String {
        let utf8 = line.utf8
        guard utf8.count >= timestampLength, utf8[utf8.index(utf8.startIndex, offsetBy: 10)] == UInt8(ascii: "T"),
            utf8[utf8.index(utf8.startIndex, offsetBy: timestampLength - 2)] == UInt8(ascii: "Z")
        else { return line }
        return String(line.utf8.dropFirst(timestampLength))!
    }

    /// Two streams' tails as one: in the order their lines arrived when
    /// every line carries a `log_timestamps` prefix (a stable merge), else
    /// the first stream's lines, then the second's.
    package static func merged<Line>(_ first: [Line], _ second: [Line], text: (Line) -> String) -> [Line] {
        let a = first.map { text($0) }
        let b = second.map { text($0) }
        guard (a + b).allSatisfy(hasTimestamp) else { return first + second }
        // The prefixes are ASCII ISO-8601 texts of one length: they sort as times.
        let firstTimes = a.map { $0.prefix(timestampLength) }
        let secondTimes = b.map { $0.prefix(timestampLength) }
        var out: [Line] = []
        out.reserveCapacity(first.count + second.count)
        var i = 0
        var j = 0
        while i < first.count || j < second.count {
            if j == second.count || (i < first.count && firstTimes[i] <= secondTimes[j]) {
                out.append(first[i])
                i += 1
            } else {
                out.append(second[j])
                j += 1
            }
        }
        return out
    }

    /// Whether a stored line starts with a `log_timestamps` prefix.
    static func hasTimestamp(_ line: String) -> Bool {
        let u = Array(line.utf8.prefix(timestampLength))
        return u.count == timestampLength && u[4] == UInt8(ascii: "-") && u[10] == UInt8(ascii: "T") && u[timestampLength - 2] == UInt8(ascii: "Z")
            && u[timestampLength - 1] == UInt8(ascii: " ")
    }

    /// The prefix for a line arriving now.
    static func timestamp(now: Double) -> [UInt8] { Array((ServiceEvent.utc(now) + " ").utf8) }

    /// The last `count` lines of the file at `path`, continuing into
    /// `path.1` when the file holds fewer. Missing or refused files give no lines.
    package static func lastLines(of path: String, count: Int) -> [String] {
        (try? lastLines(of: path, count: count, user: nil, group: nil)) ?? []
    }

    /// The last `count` lines, the file opened as `user` (and `group`) would
    /// open it when a user is given: a service's own stdout or stderr file is
    /// a path its user controls. Only a regular file is read, never through
    /// a symlink, and opening never blocks (a FIFO is refused). A missing
    /// file gives no lines; any other failure throws "PATH: reason".
    package static func lastLines(of path: String, count: Int, user: String?, group: String?) throws(SpawnFailure) -> [String] {
        guard count > 0 else { return [] }
        var ids: Identity = (geteuid(), getegid(), [])
        if user != nil || group != nil {
            switch LinuxSpawner.identity(user: user, group: group) {
            case .success(let i): ids = i
            case .failure(let f): throw f
            }
        }
        var lines = try lastLines(inFile: path, count: count, ids: ids)
        if lines.count < count {
            lines = (try lastLines(inFile: path + ".1", count: count - lines.count, ids: ids)) + lines
        }
        return lines
    }

    /// The most a tail reads from one file (16 MiB): `logs -n` with a huge
    /// count shows the last lines that fit.
    static let maxBytes = 16 << 20

    /// Reads backwards in blocks until `count` whole lines are found or the file starts.
    private static func lastLines(inFile path: String, count: Int, ids: Identity) throws(SpawnFailure) -> [String] {
        let fd = ppm_open_regular_as(path, ids.uid, ids.gid, ids.groups, Int32(ids.groups.count))
        guard fd >= 0 else {
            switch errno {
            case ENOENT: return []
            case ELOOP: throw SpawnFailure("\(path): a symbolic link (not followed)")
            case EINVAL: throw SpawnFailure("\(path): not a regular file")
            case let e: throw SpawnFailure("\(path): \(String(cString: strerror(e)))")
            }
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return [] }
        let size = Int(st.st_size)
        var start = size
        var chunks: [[UInt8]] = []  // read backwards, joined once at the end
        var newlines = 0
        let block = 64 * 1024
        // Bounded: the read runs on the daemon's loop, for any `-n`.
        while start > 0, size - start < maxBytes {
            let n = min(block, start)
            start -= n
            var chunk = [UInt8](repeating: 0, count: n)
            let got = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, n, off_t(start)) }
            guard got == n else { break }
            // `count` whole lines need `count` newlines before the last line's end.
            let isLast = chunks.isEmpty
            newlines += chunk.dropLast(isLast ? 1 : 0).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            chunks.append(chunk)
            if newlines >= count { break }
        }
        let bytes = Array(chunks.reversed().joined())
        var lines = Self.lines(bytes[...], droppingPartialFirst: start > 0)
        if lines.count > count { lines.removeFirst(lines.count - count) }
        return lines
    }
}
