/// Compact JSON as UTF-8 bytes, escaped byte by byte.
///
/// Object keys are written in sorted order (UTF-8 byte order, which is code
/// point order), so equal values always give equal bytes: journal lines,
/// replies and test expectations are deterministic. Doubles that are not
/// finite have no JSON form and are written as `null`; integral doubles keep a
/// `.0` (`2.0`) and negative zero is `-0.0`.
package struct JSONWriter {
    /// What has been written so far.
    package private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends one value.
    package mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let a):
            bytes.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(v)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let o):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(k)
                bytes.append(UInt8(ascii: ":"))
                write(v)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Hands out what has been written and starts again, empty, with room
    /// for `capacity` bytes (a large document sent in parts as it is written).
    package mutating func takeBytes(capacity: Int) -> [UInt8] {
        var taken: [UInt8] = []
        taken.reserveCapacity(capacity)
        swap(&taken, &bytes)
        return taken
    }

    /// Appends one byte as it is (a bracket or comma of a document written
    /// piece by piece; the caller keeps it valid).
    package mutating func appendByte(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends bytes that are already JSON text (a value written earlier).
    package mutating func appendRaw(_ json: some Collection<UInt8>) {
        bytes.append(contentsOf: json)
    }

    /// Appends `"key":` for a key that needs no escaping (a member name of ours).
    package mutating func writeKey(_ key: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends a string literal, quoted and escaped.
    package mutating func writeString(_ s: String) {
        var s = s
        s.withUTF8 { writeEscaped($0) }
    }

    private mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends text that is already JSON, known when compiling (`,"pid":`).
    mutating func appendLiteral(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends `true` or `false`.
    mutating func writeBool(_ b: Bool) {
        append(b ? "true" : "false")
    }

    /// Appends `null`.
    mutating func writeNull() {
        append("null")
    }

    /// Appends an integer.
    mutating func writeInt(_ i: Int64) {
        var n = i.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var at = digits.count
            repeat {
                at -= 1
                digits[at] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            if i < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[at...]))
        }
    }

    /// Appends a double as `write(.double(d))` does.
    mutating func writeDouble(_ d: Double) {
        guard d.isFinite else { return append("null") }
        if d == 0 && d.sign == .minus { return append("-0.0") }
        if d == d.rounded(.towardZero) && d.magnitude < 1e15 {
            writeInt(Int64(d))
            return append(".0")
        }
        var text = d.description  // shortest form that reads back the same: 1.5, 1e+20, 5e-324
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private static let hex: StaticString = "0123456789abcdef"

    private mutating func writeEscaped(_ s: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var start = 0
        for i in 0..<s.count {
            let b = s[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F { continue }
            if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: s[start..<i])) }
            start = i + 1
            switch b {
            case 0x22: append("\\\"")
            case 0x5C: append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            default:
                append("\\u00")
                Self.hex.withUTF8Buffer { hex in
                    bytes.append(hex[Int(b >> 4)])
                    bytes.append(hex[Int(b & 0xF)])
                }
            }
        }
        if start < s.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: s[start...])) }
        bytes.append(UInt8(ascii: "\""))
    }
}
