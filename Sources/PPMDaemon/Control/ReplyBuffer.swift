/// Reply bytes a socket has not taken yet, as a queue of chunks. A large
/// reply's own array is a chunk of its own, never copied (`ls --json` at
/// 10,000 services is 7 MB); small lines are gathered into chunks of ours,
/// so a follower's many short lines still go out in few writes. What was
/// written of the first chunk is skipped by an offset: each byte is
/// copied at most once, never moved again per write (that was O(size²), #23).
/// A line may also come in parts (`appendPart`: `ls` sends its reply as
/// it writes it); lines queued before its last part wait behind it.
struct ReplyBuffer {
    /// Lines at least this long are queued as they are, not copied.
    static let ownChunk = 16 << 10

    private var chunks: [[UInt8]] = []
    /// Whether the last chunk is ours to append to (not a reply's array,
    /// which appending would copy).
    private var lastIsOurs = false
    /// Bytes of the first chunk already written.
    private var written = 0

    /// Whether a line sent in parts has not had its last part yet.
    private var lineOpen = false
    /// Lines queued while a line sent in parts is open: they follow its end.
    private var heldLines: [[UInt8]] = []
    /// Bytes of `heldLines`, newlines included.
    private var heldCount = 0

    /// Bytes ready to be written.
    private(set) var count = 0

    /// Bytes waiting, those held behind an open line included.
    var pendingCount: Int { count + heldCount }

    /// Whether nothing is ready to be written.
    var isEmpty: Bool { count == 0 }

    /// Queues `line` and a newline (behind the open line, if one is).
    mutating func appendLine(_ line: some Collection<UInt8>) {
        guard !lineOpen else {
            heldLines.append(Array(line))
            heldCount += line.count + 1
            return
        }
        enqueue(line, newline: true)
    }

    /// Queues the next part of a line sent in parts; `last`: its end, a
    /// newline follows, then the lines held meanwhile.
    mutating func appendPart(_ part: [UInt8], last: Bool) {
        enqueue(part, newline: last)
        lineOpen = !last
        guard last, !heldLines.isEmpty else { return }
        let held = heldLines
        heldLines = []
        heldCount = 0
        for line in held { enqueue(line, newline: true) }
    }

    private mutating func enqueue(_ bytes: some Collection<UInt8>, newline: Bool) {
        count += bytes.count + (newline ? 1 : 0)
        if bytes.count >= Self.ownChunk, let whole = bytes as? [UInt8] {
            chunks.append(whole)
            if newline { chunks.append([10]) }
            lastIsOurs = newline
            return
        }
        if !lastIsOurs {
            chunks.append([])
            lastIsOurs = true
        }
        chunks[chunks.count - 1].append(contentsOf: bytes)
        if newline { chunks[chunks.count - 1].append(10) }
    }

    /// Calls `write` with the bytes waiting at the front (those of the first
    /// chunk); it returns how many it took.
    mutating func withUnsent<T>(_ write: (UnsafeRawBufferPointer) -> T) -> T {
        chunks[0].withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[written...])) }
    }

    /// `n` more bytes were written.
    mutating func consume(_ n: Int) {
        written += n
        count -= n
        guard written == chunks[0].count else { return }
        chunks.removeFirst()
        written = 0
        if chunks.isEmpty { lastIsOurs = false }
    }
}
