/// Cuts a byte stream into whole lines. The partial line at the end of a
/// chunk is kept until its newline arrives; a line longer than `limit` is
/// cut into pieces of `limit` bytes, so nothing is held without bound.
struct LineSplitter {
    /// The longest piece a line is cut into (newline excluded).
    static let limit = 64 * 1024
    private static let newline = UInt8(ascii: "\n")

    /// The partial line waiting for its newline.
    private(set) var pending: [UInt8] = []
    /// The last piece cut ended exactly where the line did: its newline is
    /// already written, so the newline that follows is not a new line.
    private var cutAtEnd = false

    /// Feeds a chunk; `emit` receives runs of complete lines, each ending in a newline.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        var chunk = chunk
        if cutAtEnd, !chunk.isEmpty {
            cutAtEnd = false
            if chunk[0] == Self.newline { chunk = UnsafeRawBufferPointer(rebasing: chunk[1...]) }
        }
        guard let last = chunk.lastIndex(of: Self.newline) else {
            pending.append(contentsOf: chunk)
            cutLongPending(emit)
            return
        }
        var rest = 0
        if !pending.isEmpty {
            let first = chunk.firstIndex(of: Self.newline)!
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<first]))
            cutLongPending(emit)
            if !cutAtEnd {
                pending.append(Self.newline)
                pending.withUnsafeBytes(emit)
                pending.removeAll(keepingCapacity: true)
            }
            cutAtEnd = false
            rest = first + 1
        }
        if rest <= last { emit(UnsafeRawBufferPointer(rebasing: chunk[rest...last])) }
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[(last + 1)...]))
        cutLongPending(emit)
    }

    /// Emits the partial line, if any, with a newline added.
    mutating func flush(_ emit: (UnsafeRawBufferPointer) -> Void) {
        cutAtEnd = false
        guard !pending.isEmpty else { return }
        pending.append(Self.newline)
        pending.withUnsafeBytes(emit)
        pending.removeAll(keepingCapacity: true)
    }

    private mutating func cutLongPending(_ emit: (UnsafeRawBufferPointer) -> Void) {
        guard pending.count >= Self.limit else { return }
        var piece = [UInt8]()
        piece.reserveCapacity(Self.limit + 1)
        while pending.count >= Self.limit {
            piece.removeAll(keepingCapacity: true)
            piece.append(contentsOf: pending[..<Self.limit])
            piece.append(Self.newline)
            piece.withUnsafeBytes(emit)
            pending.removeFirst(Self.limit)
        }
        cutAtEnd = pending.isEmpty
    }
}
