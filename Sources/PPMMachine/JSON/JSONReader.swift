/// A document that is not JSON: what is wrong and at which byte.
package struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "unterminated string".
    package let message: String
    /// Offset of the offending byte from the start of the input.
    package let offset: Int

    /// An error found at `offset`.
    package init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    /// `message at byte offset`.
    package var description: String { "\(message) at byte \(offset)" }
}

/// Where one member of a top-level object lies in the parsed bytes
/// (the `result` of a control reply, passed on without re-encoding).
package struct JSONMemberRange: Sendable, Equatable {
    /// The member's value.
    package var value: Range<Int>
    /// When the value is an array: each element (empty otherwise).
    package var elements: [Range<Int>] = []
}

/// A strict RFC 8259 reader over UTF-8 bytes, by recursive descent.
///
/// Numbers without fraction or exponent that fit Int64 are `.int`; others are
/// `.double`, and become `.int` when their value is integral and fits
/// (`2.0`, `1e3`), except negative zero, which stays `.double(-0.0)`.
/// A number too large for a Double (`1e400`) is an error, since JSON has no
/// infinity. Strings must be valid UTF-8 without raw control characters;
/// `\uXXXX` surrogates must come in pairs. Duplicate keys: the last wins.
package struct JSONReader {
    /// How deep arrays and objects may nest.
    package static let maxDepth = 512

    private let input: UnsafeBufferPointer<UInt8>
    private var at = 0
    private let captureKey: String?
    private var capture: JSONMemberRange?
    /// Whether the captured member's value is only checked, not built.
    private let skipsCaptured: Bool
    /// False while checking without building (containers stay empty, strings "").
    private var building = true

    private init(_ input: UnsafeBufferPointer<UInt8>, captureKey: String?, skipsCaptured: Bool) {
        self.input = input
        self.captureKey = captureKey
        self.skipsCaptured = skipsCaptured
    }

    /// Parses one document; nothing but whitespace may follow it. With
    /// `capturing`, also returns where the top-level object's member of
    /// that name lies (nil when the document has no such member). With
    /// `skippingCaptured`, that member's value is checked as strictly but not
    /// built (it reads as null): for text that is passed on as it came.
    package static func parse(_ input: UnsafeBufferPointer<UInt8>, capturing key: String? = nil, skippingCaptured: Bool = false)
        throws(JSONParseError) -> (value: JSONValue, member: JSONMemberRange?)
    {
        var reader = JSONReader(input, captureKey: key, skipsCaptured: skippingCaptured)
        reader.skipSpace()
        let value = try reader.value(depth: 1)
        reader.skipSpace()
        if reader.at < input.count { throw reader.fail("unexpected \(reader.describe(reader.at)) after the document") }
        return (value, reader.capture)
    }

    private func fail(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(message: message, offset: offset ?? at)
    }

    private func describe(_ offset: Int) -> String {
        guard offset < input.count else { return "end of input" }
        let b = input[offset]
        return b >= 0x21 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    private mutating func skipSpace() {
        while at < input.count {
            switch input[at] {
            case 0x20, 0x0A, 0x0D, 0x09: at += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard at < input.count else { throw fail("unexpected end of input") }
        switch input[at] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth, recording: false)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected \(describe(at))")
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let ok = word.withUTF8Buffer { w in
            at + w.count <= input.count && (0..<w.count).allSatisfy { input[at + $0] == w[$0] }
        }
        guard ok else { throw fail("invalid literal (expected \(word))") }
        at += word.utf8CodeUnitCount
        return value
    }

    private mutating func enter(_ depth: Int) throws(JSONParseError) {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        at += 1
        skipSpace()
    }

    private mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        try enter(depth)
        var members: [String: JSONValue] = [:]
        if at < input.count && input[at] == UInt8(ascii: "}") {
            at += 1
            return .object(members)
        }
        while true {
            guard at < input.count, input[at] == UInt8(ascii: "\"") else { throw fail("expected a string key, found \(describe(at))") }
            let key = try string()
            skipSpace()
            guard at < input.count, input[at] == UInt8(ascii: ":") else { throw fail("expected ':' after a key, found \(describe(at))") }
            at += 1
            skipSpace()
            let start = at
            let captured = depth == 1 && captureKey != nil && key == captureKey
            if captured { capture = JSONMemberRange(value: start..<start) }
            let isArray = at < input.count && input[at] == UInt8(ascii: "[")
            if captured && skipsCaptured { building = false }
            let member = captured && isArray ? try array(depth: depth + 1, recording: true) : try value(depth: depth + 1)
            if captured { building = true }
            if building { members[key] = captured && skipsCaptured ? .null : member }
            if captured { capture?.value = start..<at }
            skipSpace()
            guard at < input.count else { throw fail("unexpected end of input in an object") }
            switch input[at] {
            case UInt8(ascii: ","):
                at += 1
                skipSpace()
            case UInt8(ascii: "}"):
                at += 1
                return .object(members)
            default: throw fail("expected ',' or '}' in an object, found \(describe(at))")
            }
        }
    }

    private mutating func array(depth: Int, recording: Bool) throws(JSONParseError) -> JSONValue {
        try enter(depth)
        var elements: [JSONValue] = []
        var ranges: [Range<Int>] = []
        if at < input.count && input[at] == UInt8(ascii: "]") {
            at += 1
            return .array(elements)
        }
        while true {
            let start = at
            let element = try value(depth: depth + 1)
            if building { elements.append(element) }
            if recording { ranges.append(start..<at) }
            skipSpace()
            guard at < input.count else { throw fail("unexpected end of input in an array") }
            switch input[at] {
            case UInt8(ascii: ","):
                at += 1
                skipSpace()
            case UInt8(ascii: "]"):
                at += 1
                if recording { capture?.elements = ranges }
                return .array(elements)
            default: throw fail("expected ',' or ']' in an array, found \(describe(at))")
            }
        }
    }

    /// A string literal; `at` is on its opening quote.
    private mutating func string() throws(JSONParseError) -> String {
        let open = at
        at += 1
        let start = at
        // One pass: where the plain run ends, and whether any byte of it is not ASCII.
        var highBits: UInt8 = 0
        while at < input.count {
            let b = input[at]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 { break }
            highBits |= b
            at += 1
        }
        var text: [UInt8] = []
        if at < input.count && input[at] == UInt8(ascii: "\"") {
            at += 1
            let bytes = UnsafeBufferPointer(rebasing: input[start..<at - 1])
            if !building && highBits < 0x80 { return "" }
            guard let s = String(validating: bytes, as: UTF8.self) else { throw fail("invalid UTF-8 in a string", at: open) }
            return s
        }
        text.append(contentsOf: UnsafeBufferPointer(rebasing: input[start..<at]))
        while true {
            guard at < input.count else { throw fail("unterminated string", at: open) }
            let b = input[at]
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { throw fail("unescaped control character in a string") }
            if b == UInt8(ascii: "\\") {
                try escape(into: &text)
            } else {
                text.append(b)
                at += 1
            }
        }
        at += 1
        guard let s = String(validating: text, as: UTF8.self) else { throw fail("invalid UTF-8 in a string", at: open) }
        return s
    }

    /// One escape sequence; `at` is on its backslash.
    private mutating func escape(into text: inout [UInt8]) throws(JSONParseError) {
        let backslash = at
        at += 1
        guard at < input.count else { throw fail("unterminated string") }
        let simple: UInt8? =
            switch input[at] {
            case UInt8(ascii: "\""): 0x22
            case UInt8(ascii: "\\"): 0x5C
            case UInt8(ascii: "/"): 0x2F
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let simple {
            text.append(simple)
            at += 1
            return
        }
        guard input[at] == UInt8(ascii: "u") else { throw fail("invalid escape: \(describe(at)) after a backslash", at: backslash) }
        var code = try hex4(at: at + 1)
        at += 5
        if (0xDC00...0xDFFF).contains(code) { throw fail("lone low surrogate \\u\(String(code, radix: 16))", at: backslash) }
        if (0xD800...0xDBFF).contains(code) {
            guard at + 1 < input.count, input[at] == UInt8(ascii: "\\"), input[at + 1] == UInt8(ascii: "u") else {
                throw fail("lone high surrogate \\u\(String(code, radix: 16))", at: backslash)
            }
            let low = try hex4(at: at + 2)
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("high surrogate not followed by a low one", at: backslash) }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            at += 6
        }
        text.append(contentsOf: UTF8.encode(Unicode.Scalar(code)!)!)
    }

    private func hex4(at offset: Int) throws(JSONParseError) -> UInt32 {
        guard offset + 4 <= input.count else { throw fail("truncated \\u escape", at: offset) }
        var code: UInt32 = 0
        for i in offset..<offset + 4 {
            let b = input[i]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw fail("invalid hex digit in a \\u escape", at: i)
            }
            code = code << 4 | UInt32(digit)
        }
        return code
    }

    private func isDigit(_ offset: Int) -> Bool {
        offset < input.count && input[offset] >= UInt8(ascii: "0") && input[offset] <= UInt8(ascii: "9")
    }

    private mutating func digits() throws(JSONParseError) {
        guard isDigit(at) else { throw fail("expected a digit, found \(describe(at))") }
        while isDigit(at) { at += 1 }
    }

    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = at
        let negative = input[at] == UInt8(ascii: "-")
        if negative { at += 1 }
        let first = at
        try digits()
        if input[first] == UInt8(ascii: "0") && at > first + 1 { throw fail("leading zero in a number", at: first) }
        var integral = true
        if at < input.count && input[at] == UInt8(ascii: ".") {
            at += 1
            try digits()
            integral = false
        }
        if at < input.count && (input[at] == UInt8(ascii: "e") || input[at] == UInt8(ascii: "E")) {
            at += 1
            if at < input.count && (input[at] == UInt8(ascii: "+") || input[at] == UInt8(ascii: "-")) { at += 1 }
            try digits()
            integral = false
        }
        // Checked, not built: a number with no exponent and few digits is
        // always in range (strtod was a tenth of checking `ls --json`).
        if !building && at - start <= 24 && input[start..<at].allSatisfy({ $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }) {
            return .null
        }
        if integral, let n = integer(first..<at, negative: negative) {
            return negative && n == 0 ? .double(-0.0) : .int(n)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<at]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw fail("number out of range", at: start) }
        if d == d.rounded(.towardZero) && !(d == 0 && d.sign == .minus), let n = Int64(exactly: d) { return .int(n) }
        return .double(d)
    }

    /// Decimal digits as an Int64, or nil past its range.
    private func integer(_ digits: Range<Int>, negative: Bool) -> Int64? {
        var n: UInt64 = 0
        for i in digits {
            let (times10, o1) = n.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(input[i] - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            n = sum
        }
        if negative { return n <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- n) : nil }
        return n <= UInt64(Int64.max) ? Int64(n) : nil
    }
}
