/// A strict, incremental reader of one HTTP/1.x response to a GET: the
/// status line, the header fields, then a body delimited by Content-Length,
/// chunked transfer coding, or the end of the connection. Bytes may arrive
/// split anywhere. The head is limited to `maxHead` bytes and the body kept
/// to `maxBody` bytes (the answer is complete, marked `truncated`, once that
/// much arrived). Anything malformed ends it with a one-line reason.
struct HTTPResponseParser {
    /// A response read to its end (or to `maxBody`).
    struct Response: Equatable {
        var status: Int
        var reason: String
        /// Header fields in order, names as sent.
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        /// Whether the body was longer than `maxBody` and cut there.
        var truncated: Bool

        static func == (a: Response, b: Response) -> Bool {
            a.status == b.status && a.reason == b.reason && a.body == b.body && a.truncated == b.truncated
                && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
        }

        /// The value of the first field named `name` (any case).
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// Where reading stands after a feed.
    enum Progress: Equatable {
        case needMore
        case done(Response)
        case failed(String)
    }

    enum Phase {
        case statusLine, headers
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd, trailers
        case untilClose
        case finished
    }

    static let maxHead = 16 * 1024
    static let maxBody = 64 * 1024
    /// The longest chunk-size line accepted (with extensions).
    static let maxChunkLine = 1024

    var phase = Phase.statusLine
    /// Bytes read and not handled yet: `pending[start...]` (the handled
    /// prefix is dropped once it outweighs the rest, not at every line).
    var pending: [UInt8] = []
    var start = 0
    var headBytes = 0
    /// The Content-Length and Transfer-Encoding fields seen in the head
    /// (counted as they come: the end of the head needs no search).
    var lengthFields = 0
    var codingFields = 0
    var response = Response(status: 0, reason: "", headers: [], body: [], truncated: false)
    var outcome: Progress = .needMore

    /// Takes the next bytes read from the connection.
    mutating func feed<C: Collection>(_ bytes: C) -> Progress where C.Element == UInt8 {
        guard case .needMore = outcome else { return outcome }
        if start > 0 && start * 2 >= pending.count {
            pending.removeFirst(start)
            start = 0
        }
        pending.append(contentsOf: bytes)
        outcome = advance()
        return outcome
    }

    /// The bytes not handled yet.
    var unread: Int { pending.count - start }

    /// The connection ended: a close-delimited body is complete; anything
    /// else unfinished is a failure.
    mutating func end() -> Progress {
        guard case .needMore = outcome else { return outcome }
        switch phase {
        case .untilClose:
            outcome = .done(response)
        case .statusLine where headBytes == 0 && unread == 0:
            outcome = .failed("the server closed the connection without answering")
        case .statusLine, .headers:
            outcome = .failed("the connection closed before the end of the headers")
        case .fixed(let remaining):
            outcome = .failed("the connection closed \(remaining) bytes before the end of the body")
        default:
            outcome = .failed("the connection closed before the last chunk")
        }
        return outcome
    }

    private mutating func advance() -> Progress {
        while true {
            switch phase {
            case .statusLine, .headers, .chunkSize, .chunkEnd, .trailers:
                let limit = isHead ? Self.maxHead - headBytes : Self.maxChunkLine
                guard let line = takeLine(limit: limit) else {
                    if unread > limit {
                        return .failed(isHead ? "the headers are longer than \(Self.maxHead / 1024) KiB" : "a chunk-size line is too long")
                    }
                    return .needMore
                }
                if isHead { headBytes += line.count + 2 }
                if let failure = take(line) { return .failed(failure) }
            case .fixed(let remaining):
                let n = min(remaining, unread)
                keep(pending[start..<start + n])
                start += n
                if n == remaining {
                    phase = .finished
                    continue
                }
                if cutShort() { continue }
                phase = .fixed(remaining: remaining - n)
                return .needMore
            case .chunkData(let remaining):
                let n = min(remaining, unread)
                keep(pending[start..<start + n])
                start += n
                if cutShort() { continue }
                guard n == remaining else {
                    phase = .chunkData(remaining: remaining - n)
                    return .needMore
                }
                phase = .chunkEnd
            case .untilClose:
                keep(pending[start...])
                pending.removeAll(keepingCapacity: true)
                start = 0
                if response.truncated {
                    phase = .finished
                    continue
                }
                return .needMore
            case .finished:
                return .done(response)
            }
        }
    }

    var isHead: Bool {
        switch phase {
        case .statusLine, .headers: return true
        default: return false
        }
    }

    /// Appends body bytes up to `maxBody`; marks the cut.
    private mutating func keep(_ bytes: ArraySlice<UInt8>) {
        let room = Self.maxBody - response.body.count
        response.body += bytes.prefix(room)
        if bytes.count > room { response.truncated = true }
    }

    /// Ends the answer once `maxBody` bytes are kept while more are due.
    private mutating func cutShort() -> Bool {
        guard response.body.count >= Self.maxBody else { return false }
        response.truncated = true
        phase = .finished
        return true
    }

    /// One line without its CRLF (or bare LF), if a whole one is pending.
    private mutating func takeLine(limit: Int) -> ArraySlice<UInt8>? {
        guard let lf = pending[start..<min(pending.count, start + limit + 2)].firstIndex(of: 10) else { return nil }
        var line = pending[start..<lf]
        start = lf + 1
        if line.last == 13 { line.removeLast() }
        return line
    }

    /// Handles one line of the head or of the chunk framing; a reason on failure.
    private mutating func take(_ line: ArraySlice<UInt8>) -> String? {
        switch phase {
        case .statusLine: return statusLine(line)
        case .headers: return line.isEmpty ? endOfHead() : headerLine(line)
        case .chunkSize: return chunkSize(line)
        case .chunkEnd:
            guard line.isEmpty else { return "a chunk is longer than its size" }
            phase = .chunkSize
        case .trailers:
            if line.isEmpty { phase = .finished }
        default: break
        }
        return nil
    }
}
