/// Reply bytes a socket has not taken yet. What was written is skipped by
/// an offset and dropped only once it is at least half of the buffer, so a
/// large reply (`ls --json` at 10,000 services is 7 MB, written in a few
/// hundred KB at a time) is copied once, not once per write: dropping each
/// written piece from the front moved the rest every time, O(size²) (#23).
struct ReplyBuffer {
    private var bytes: [UInt8] = []
    /// Bytes at the front already written.
    private var written = 0

    /// Whether nothing waits.
    var isEmpty: Bool { written == bytes.count }

    /// Bytes waiting.
    var count: Int { bytes.count - written }

    /// Queues `line` and a newline.
    mutating func appendLine(_ line: some Collection<UInt8>) {
        if isEmpty {
            written = 0
            // A reply's own array is taken as it is (`ls` at 10,000 services: 7 MB not copied).
            if let whole = line as? [UInt8] {
                bytes = whole
                bytes.append(10)
                return
            }
            bytes.removeAll(keepingCapacity: false)
        }
        bytes.append(contentsOf: line)
        bytes.append(10)
    }

    /// Calls `write` with the bytes waiting; it returns how many it took.
    mutating func withUnsent<T>(_ write: (UnsafeRawBufferPointer) -> T) -> T {
        bytes.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[written...])) }
    }

    /// `n` more bytes were written.
    mutating func consume(_ n: Int) {
        written += n
        if isEmpty {
            bytes.removeAll(keepingCapacity: false)
            written = 0
        } else if written >= 64 << 10 && written * 2 >= bytes.count {
            bytes.removeFirst(written)
            written = 0
        }
    }
}
