/// A JSON document: the currency of the journal and the control protocol.
///
/// `text` and `parse` go through the byte-level `JSONWriter` and `JSONReader`.
package enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without fraction that fits 64 bits.
    case int(Int64)
    /// Any other number (non-finite ones are written as `null`).
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object (written with sorted keys).
    case object([String: JSONValue])

    /// One line of compact JSON with sorted keys (see `JSONWriter`).
    package var text: String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The same text as `text`, as UTF-8 bytes.
    package var bytes: [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// Parses one JSON document (strict RFC 8259, see `JSONReader`).
    package static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8(parsing).get()
    }

    /// Parses one JSON document from UTF-8 bytes.
    package static func parse(bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        if let parsed = bytes.withContiguousStorageIfAvailable(parsing) { return try parsed.get() }
        return try Array(bytes).withUnsafeBufferPointer(parsing).get()
    }

    private static func parsing(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        Result { () throws(JSONParseError) in try JSONReader.parse(buffer).value }
    }

    /// The value of an object's member, or nil.
    package subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { o[key] } else { nil }
    }

    /// The string, or nil for other kinds.
    package var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    /// The integer, or a double's value when integral and in range.
    package var intValue: Int64? {
        switch self {
        case .int(let i): i
        case .double(let d) where d == d.rounded(): Int64(exactly: d)
        default: nil
        }
    }
    /// The number as a Double, or nil for other kinds.
    package var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
    /// The boolean, or nil for other kinds.
    package var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    /// The elements, or nil for other kinds.
    package var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    /// The members, or nil for other kinds.
    package var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
}

extension JSONValue {
    /// A string, or null for nil.
    package init(_ value: String?) { self = value.map { .string($0) } ?? .null }
    /// An integer, or null for nil.
    package init(_ value: Int32?) { self = value.map { .int(Int64($0)) } ?? .null }
    /// An integer.
    package init(_ value: Int) { self = .int(Int64(value)) }
    /// A double, or null for nil.
    package init(_ value: Double?) { self = value.map { .double($0) } ?? .null }
    /// An array of strings.
    package init(_ value: [String]) { self = .array(value.map { .string($0) }) }
}
