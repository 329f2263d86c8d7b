/// The request line of an HTTP/1.x request, read from the bytes a client
/// sent: what the metrics endpoint needs (method and path) and nothing it
/// does not (headers are skipped, bodies not read). Bounded: a head that
/// does not end within `maxBytes` is refused with 431.
struct HTTPRequestHead: Equatable {
    var method: String
    /// The path, without the query.
    var path: String

    /// The most bytes the request line and headers may take (SPEC 11: 8 KiB).
    static let maxBytes = 8192

    /// What the bytes received so far make.
    enum Parse: Equatable {
        /// The head has not ended yet (keep reading).
        case incomplete
        /// A request.
        case request(HTTPRequestHead)
        /// Not one this server takes: answer with `status` and close.
        case refused(status: Int, message: String)
    }

    /// Parses `bytes`, the start of what the client sent.
    static func parse(_ bytes: [UInt8]) -> Parse {
        guard let end = headEnd(bytes) else {
            return bytes.count >= maxBytes ? .refused(status: 431, message: "the request line and headers pass \(maxBytes) bytes") : .incomplete
        }
        guard end <= maxBytes else { return .refused(status: 431, message: "the request line and headers pass \(maxBytes) bytes") }
        let lineEnd = bytes[..<end].firstIndex(of: UInt8(ascii: "\n")) ?? end
        var line = bytes[..<lineEnd]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, let method = token(parts[0]), let target = text(parts[1]), target.hasPrefix("/"),
            let version = text(parts[2]), version == "HTTP/1.1" || version == "HTTP/1.0"
        else {
            return .refused(status: 400, message: "not an HTTP/1.x request line")
        }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        return .request(HTTPRequestHead(method: method, path: path))
    }

    /// Where the head ends (after its blank line, CRLF or LF alone), if it has.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") { return i + 2 }
                if i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "\r"), bytes[i + 2] == UInt8(ascii: "\n") { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    /// A method: letters only (`GET`, `POST`…).
    private static func token(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.isEmpty, bytes.count <= 16, bytes.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Visible ASCII only.
    private static func text(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A response of the metrics endpoint: always `Connection: close`.
struct HTTPResponse {
    var status: Int
    var contentType = "text/plain; charset=utf-8"
    var body: [UInt8]
    /// Extra header lines (`Allow: GET`).
    var headers: [(String, String)] = []

    /// A text response.
    init(_ status: Int, _ text: String, headers: [(String, String)] = []) {
        self.status = status
        body = Array(text.utf8)
        self.headers = headers
    }

    /// A response with a body of its own type.
    init(_ status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// The status line's reason phrase.
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        default: "Error"
        }
    }

    /// The status line and headers, up to the blank line.
    var head: [UInt8] {
        var text =
            "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// The head and body in one array.
    var bytes: [UInt8] { head + body }
}
