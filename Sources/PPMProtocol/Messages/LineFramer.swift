import Glibc

/// Cuts the bytes of a control connection into lines, the protocol's frames
/// (SPEC 7: one JSON request or reply per `\n`-ended line): the daemon's
/// end reads requests with it, the client's end replies. Bytes arrive in
/// chunks of any size; a line is handed out once its newline has come. A
/// line longer than `maxLine` bytes, whole or still waiting for its
/// newline, is refused instead of held (unlike the log capture's
/// `LineSplitter`, which cuts long lines into pieces).
package struct LineFramer: Sendable {
    /// A line ran past `maxLine`.
    package struct LineTooLong: Error, Sendable {
        /// The limit it ran past.
        package let limit: Int
    }

    /// The longest line accepted, newline excluded; it may change between
    /// lines (a TCP client's limit grows once it has authenticated).
    package var maxLine: Int

    /// The bytes received; those before `start` have been handed out.
    private var bytes: [UInt8] = []
    private var start = 0
    /// How many bytes after `start` are known to hold no newline (each
    /// byte is searched once, however many chunks a line comes in).
    private var searched = 0

    /// A framer refusing lines longer than `maxLine` (no limit by default).
    package init(maxLine: Int = .max) {
        self.maxLine = maxLine
    }

    /// Bytes received and not handed out as lines yet.
    package var pendingCount: Int { bytes.count - start }

    /// Adds what was read.
    package mutating func append(_ chunk: ArraySlice<UInt8>) {
        // Handed-out lines are dropped once they are half the buffer, so
        // many short lines cost no repeated moves of what follows them.
        if start > 0 && start >= bytes.count / 2 {
            bytes.removeFirst(start)
            start = 0
        }
        bytes += chunk
    }

    /// The next whole line without its newline; nil until its newline has
    /// come. Throws when the line (or the part waiting for its newline) is
    /// longer than `maxLine`.
    package mutating func nextLine() throws(LineTooLong) -> [UInt8]? {
        let from = start + searched
        let found = bytes.withUnsafeBufferPointer { all -> Int? in
            guard from < all.count, let base = all.baseAddress,
                let hit = memchr(base + from, Int32(UInt8(ascii: "\n")), all.count - from)
            else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        guard let newline = found else {
            searched = bytes.count - start
            if searched > maxLine { throw LineTooLong(limit: maxLine) }
            return nil
        }
        guard newline - start <= maxLine else { throw LineTooLong(limit: maxLine) }
        searched = 0
        if start == 0 && newline == bytes.count - 1 {
            // The buffer is this one line (a large reply): handed out, not copied.
            var line: [UInt8] = []
            swap(&line, &bytes)
            line.removeLast()
            return line
        }
        let line = Array(bytes[start..<newline])
        start = newline + 1
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            start = 0
        }
        return line
    }

    /// Forgets every byte received, giving their memory back.
    package mutating func reset() {
        bytes = []
        start = 0
        searched = 0
    }
}
