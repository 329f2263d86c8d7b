/// The fast path of `HTTPResponseParser`: a well-formed answer, as probed
/// servers send them (`HTTP/1.1 200 OK`, plain header fields, one plain
/// Content-Length), is read from its bytes with no string made but the
/// reason and the fields kept. What it does not take, the general path
/// (`HTTPResponseParser+General`) reads or refuses with a reason.
extension HTTPResponseParser {
    /// The status and reason of a well-formed ASCII status line
    /// (`HTTP/1.1 200 OK`), read from its bytes; nil for anything else,
    /// which `statusLine` reads (and refuses) as text.
    static func plainStatusLine(_ line: ArraySlice<UInt8>) -> (Int, String)? {
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

    mutating func headerLine(_ line: ArraySlice<UInt8>) -> String? {
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

    /// The value of the one Content-Length field when it is plain digits
    /// (1 to 18 of them); nil for anything else, which `endOfHead` reads
    /// (and refuses) the long way.
    func plainLength() -> Int? {
        guard let field = response.headers.first(where: { Self.same($0.name, "content-length") }) else { return nil }
        var value = field.value
        return value.withUTF8 { bytes -> Int? in
            guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy(Self.isDigit) else { return nil }
            return bytes.reduce(0) { $0 * 10 + Int($1 - 48) }
        }
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    /// Whether header name `name` is `lower` (ASCII lower case) in any case,
    /// without making strings.
    static func same(_ name: String, _ lower: StaticString) -> Bool {
        same(name.utf8, lower)
    }

    /// Whether the bytes `name` spell `lower` (ASCII lower case) in any case.
    static func same<C: Collection<UInt8>>(_ name: C, _ lower: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: lower.utf8Start, count: lower.utf8CodeUnitCount)
        guard name.count == expected.count else { return false }
        return zip(name, expected).allSatisfy { a, b in (a >= 65 && a <= 90 ? a + 32 : a) == b }
    }

    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 48...57, 65...90, 97...122: return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }
}
