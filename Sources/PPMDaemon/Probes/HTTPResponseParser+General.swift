/// The general path of `HTTPResponseParser`: status lines the fast path
/// does not take (read as text, refused with the reason), the framing of
/// the body when the head is not plain (several or odd Content-Length
/// fields, Transfer-Encoding), chunk sizes, and the text of error lines.
extension HTTPResponseParser {
    mutating func statusLine(_ line: ArraySlice<UInt8>) -> String? {
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

    mutating func endOfHead() -> String? {
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

    mutating func chunkSize(_ line: ArraySlice<UInt8>) -> String? {
        let size = line.prefix { $0 != 59 }  // ';' starts extensions
        let digits = String(decoding: size, as: UTF8.self).trimmingSpaces
        guard !digits.isEmpty, digits.count <= 15, let n = Int(digits, radix: 16), digits.allSatisfy(\.isHexDigit) else {
            return "bad chunk size '\(Self.clip(String(decoding: line, as: UTF8.self)))'"
        }
        phase = n == 0 ? .trailers : .chunkData(remaining: n)
        return nil
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
