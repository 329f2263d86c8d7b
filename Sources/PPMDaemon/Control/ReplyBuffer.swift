/// Reply bytes a socket has not taken yet, as a queue of chunks. A large
/// reply's own array is a chunk of its own, never copied (`ls --json` at
/// 10,000 services is 7 MB); small lines are gathered into chunks of ours,
/// so a follower's many short lines still go out in few writes. What was
/// written of the first chunk is skipped by an offset: each byte is
/// copied at most once, never moved again per write (that was O(size²), #23).
struct ReplyBuffer {
    /// Lines at least this long are queued as they are, not copied.
    static let ownChunk = 16 << 10

    private var chunks: [[UInt8]] = []
    /// Whether the last chunk is ours to append to (not a reply's array,
    /// which appending would copy).
    private var lastIsOurs = false
    /// Bytes of the first chunk already written.
    private var written = 0

    /// Bytes waiting.
    private(set) var count = 0

    /// Whether nothing waits.
    var isEmpty: Bool { count == 0 }

    /// Queues `line` and a newline.
    mutating func appendLine(_ line: some Collection<UInt8>) {
        count += line.count + 1
        if line.count >= Self.ownChunk, let whole = line as? [UInt8] {
            chunks.append(whole)
            chunks.append([10])
            lastIsOurs = true
            return
        }
        if !lastIsOurs {
            chunks.append([])
            lastIsOurs = true
        }
        chunks[chunks.count - 1].append(contentsOf: line)
        chunks[chunks.count - 1].append(10)
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
