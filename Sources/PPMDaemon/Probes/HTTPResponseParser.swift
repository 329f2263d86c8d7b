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

    private enum Phase {
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

    private var phase = Phase.statusLine
    /// Bytes read and not handled yet: `pending[start...]` (the handled
    /// prefix is dropped once it outweighs the rest, not at every line).
    private var pending: [UInt8] = []
    private var start = 0
    private var headBytes = 0
    /// The Content-Length and Transfer-Encoding fields seen in the head
    /// (counted as they come: the end of the head needs no search).
    private var lengthFields = 0
    private var codingFields = 0
    private var response = Response(status: 0, reason: "", headers: [], body: [], truncated: false)
    private var outcome: Progress = .needMore

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
    private var unread: Int { pending.count - start }

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

    private var isHead: Bool {
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

    private mutating func statusLine(_ line: ArraySlice<UInt8>) -> String? {
        if let (status, reason) = Self.plainStatusLine(line) {
            response.status = status
            response.reason = reason
            phase = .headers
            return nil
        }
        let text = String(decoding: line, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0" else {
            return "not an HTTP/1.x status line: '\(Self.clip(text))'"
        }
        guard parts[1].utf8.count == 3, parts[1].utf8.allSatisfy(Self.isDigit), let status = Int(parts[1]), status >= 100 else {
            return "bad status code '\(Self.clip(String(parts[1])))'"
        }
        response.status = status
        response.reason = parts.count > 2 ? String(parts[2]) : ""
        phase = .headers
        return nil
    }

    /// The status and reason of a well-formed ASCII status line
    /// (`HTTP/1.1 200 OK`), read from its bytes; nil for anything else,
    /// which `statusLine` reads (and refuses) as text.
    private static func plainStatusLine(_ line: ArraySlice<UInt8>) -> (Int, String)? {
        let s = line.startIndex
        guard line.count >= 12, !line.contains(where: { $0 >= 128 }), line[s..<s + 7].elementsEqual("HTTP/1.".utf8),
            line[s + 7] == 49 || line[s + 7] == 48, line[s + 8] == 32, line[s + 12..<line.endIndex].first.map({ $0 == 32 }) ?? true
        else { return nil }
        let code = line[s + 9..<s + 12]
        guard code.allSatisfy(isDigit) else { return nil }
        let status = code.reduce(0) { $0 * 10 + Int($1 - 48) }
        guard status >= 100 else { return nil }
        return (status, line.count > 12 ? String(decoding: line[(s + 13)...], as: UTF8.self) : "")
    }

    private mutating func headerLine(_ line: ArraySlice<UInt8>) -> String? {
        guard line.first != 32, line.first != 9 else { return "folded header lines are not allowed" }
        guard let colon = line.firstIndex(of: 58), colon > line.startIndex else {
            return "a header line without a name: '\(Self.clip(String(decoding: line, as: UTF8.self)))'"
        }
        let name = line[..<colon]
        guard name.allSatisfy(Self.isTokenByte) else { return "bad header name '\(Self.clip(String(decoding: name, as: UTF8.self)))'" }
        let value = line[(colon + 1)...].drop { $0 == 32 || $0 == 9 }
        var end = value.endIndex
        while end > value.startIndex, line[end - 1] == 32 || line[end - 1] == 9 { end -= 1 }
        let trimmed = line[value.startIndex..<end]
        guard !trimmed.contains(where: { $0 == 0 || $0 == 13 }) else { return "a header value holds a control character" }
        response.headers.append((String(decoding: name, as: UTF8.self), String(decoding: trimmed, as: UTF8.self)))
        if Self.same(name, "content-length") { lengthFields += 1 } else if Self.same(name, "transfer-encoding") { codingFields += 1 }
        return nil
    }

    private mutating func endOfHead() -> String? {
        if response.status < 200 {
            // An interim answer (100 Continue): the real one follows.
            guard response.status != 101 else { return "the server switched protocols" }
            response = Response(status: 0, reason: "", headers: [], body: [], truncated: false)
            lengthFields = 0
            codingFields = 0
            phase = .statusLine
            return nil
        }
        if response.status == 204 || response.status == 304 {
            phase = .finished
            return nil
        }
        if codingFields == 0, lengthFields == 1, let length = plainLength() {
            phase = length == 0 ? .finished : .fixed(remaining: length)
            return nil
        }
        if codingFields == 0, lengthFields == 0 {
            phase = .untilClose
            return nil
        }
        let lengths = response.headers.filter { Self.same($0.name, "content-length") }.map(\.value)
        let codings = response.headers.filter { Self.same($0.name, "transfer-encoding") }.map(\.value)
        if response.status == 204 || response.status == 304 {
            phase = .finished
        } else if !codings.isEmpty {
            guard lengths.isEmpty else { return "both Content-Length and Transfer-Encoding are set" }
            guard codings.count == 1, codings[0].lowercased() == "chunked" else {
                return "unsupported Transfer-Encoding '\(Self.clip(codings.joined(separator: ", ")))'"
            }
            phase = .chunkSize
        } else if let first = lengths.first {
            let values = Set(lengths.flatMap { $0.split(separator: ",").map { $0.trimmingSpaces } })
            guard values.count == 1, let only = values.first, !only.isEmpty, only.utf8.count <= 18, only.utf8.allSatisfy(Self.isDigit),
                let length = Int(only)
            else { return "bad Content-Length '\(Self.clip(first))'" }
            phase = length == 0 ? .finished : .fixed(remaining: length)
        } else {
            phase = .untilClose
        }
        return nil
    }

    /// The value of the one Content-Length field when it is plain digits
    /// (1 to 18 of them); nil for anything else, which `endOfHead` reads
    /// (and refuses) the long way.
    private func plainLength() -> Int? {
        guard let field = response.headers.first(where: { Self.same($0.name, "content-length") }) else { return nil }
        var value = field.value
        return value.withUTF8 { bytes -> Int? in
            guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy(Self.isDigit) else { return nil }
            return bytes.reduce(0) { $0 * 10 + Int($1 - 48) }
        }
    }

    private mutating func chunkSize(_ line: ArraySlice<UInt8>) -> String? {
        let size = line.prefix { $0 != 59 }  // ';' starts extensions
        let digits = String(decoding: size, as: UTF8.self).trimmingSpaces
        guard !digits.isEmpty, digits.count <= 15, let n = Int(digits, radix: 16), digits.allSatisfy(\.isHexDigit) else {
            return "bad chunk size '\(Self.clip(String(decoding: line, as: UTF8.self)))'"
        }
        phase = n == 0 ? .trailers : .chunkData(remaining: n)
        return nil
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    /// Whether header name `name` is `lower` (ASCII lower case) in any case,
    /// without making strings.
    private static func same(_ name: String, _ lower: StaticString) -> Bool {
        same(name.utf8, lower)
    }

    /// Whether the bytes `name` spell `lower` (ASCII lower case) in any case.
    private static func same<C: Collection<UInt8>>(_ name: C, _ lower: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        guard name.count == expected.count else { return false }
        return zip(name, expected).allSatisfy { a, b in (a >= 65 && a <= 90 ? a + 32 : a) == b }
    }

    private static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 48...57, 65...90, 97...122: return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    /// At most 60 characters of `text`, for an error line.
    static func clip(_ text: String) -> String {
        let printable = String(text.unicodeScalars.map { $0.value < 32 || $0.value == 127 ? "?" : Character($0) })
        return printable.count > 60 ? String(printable.prefix(60)) + "…" : printable
    }
}

private extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
