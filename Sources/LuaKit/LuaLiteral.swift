/// Lua source for literal values: the one place ppm-lua writes Lua literals
/// (the importer's configs, `export`). What it writes, `load` reads back as
/// the same value: any byte string (NUL and invalid UTF-8 included), every
/// integer, every float (infinities and NaN too), nested tables.
public enum LuaLiteral {
    /// Lua 5.4's reserved words: never a bare table key or variable name.
    public static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    /// Whether `name` can be written bare as a table key or variable: ASCII
    /// letters, digits and `_`, not starting with a digit, not a keyword.
    public static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !isDigit(first) else { return false }
        return name.utf8.allSatisfy { isDigit($0) || $0 == UInt8(ascii: "_") || isLetter($0) } && !keywords.contains(name)
    }

    /// A table key before ` = `: `name` when it is an identifier, else `["name"]`.
    public static func key(_ name: String) -> String {
        isIdentifier(name) ? name : "[" + string(name) + "]"
    }

    /// A string literal for `text` (see `string(bytes:)`).
    public static func string(_ text: String) -> String {
        string(bytes: Array(text.utf8))
    }

    /// A string literal for any bytes: in double quotes, or single quotes
    /// when the bytes hold a double quote and no single one. The quote,
    /// `\\`, newline, tab and carriage return are escaped by letter; other
    /// control bytes (C0, DEL, the two bytes of a C1 control) and bytes that
    /// are not part of valid UTF-8 as `\ddd`, always three digits (so `\7`
    /// followed by `1` never reads as `\71`). Valid UTF-8 stays as it is.
    public static func string(bytes: [UInt8]) -> String {
        let mark: UInt8 = bytes.contains(UInt8(ascii: "\"")) && !bytes.contains(UInt8(ascii: "'")) ? UInt8(ascii: "'") : UInt8(ascii: "\"")
        var out: [UInt8] = [mark]
        out.reserveCapacity(bytes.count + 2)
        var at = 0
        while at < bytes.count {
            let byte = bytes[at]
            if byte >= 0x80 {
                let length = validSequence(bytes, at: at)
                // A C1 control (U+0080...U+009F) is escaped like the C0 ones.
                if let length, !(byte == 0xC2 && bytes[at + 1] < 0xA0) {
                    out += bytes[at..<at + length]
                } else {
                    for b in bytes[at..<at + (length ?? 1)] { appendDecimal(b, to: &out) }
                }
                at += length ?? 1
                continue
            }
            switch byte {
            case mark, UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20, 0x7F: appendDecimal(byte, to: &out)
            default: out.append(byte)
            }
            at += 1
        }
        out.append(mark)
        return String(decoding: out, as: UTF8.self)
    }

    /// An integer literal that reads back as the same integer (the most
    /// negative one has no literal of its own: it is written as a sum).
    public static func integer(_ value: Int64) -> String {
        value == .min ? "(-9223372036854775807 - 1)" : String(value)
    }

    /// A float literal that reads back as the same float, never as an
    /// integer (`2.0`, `1e+100`); `1/0`, `-1/0` and `0/0` for the others.
    public static func float(_ value: Double) -> String {
        if value.isNaN { return "(0/0)" }
        if value.isInfinite { return value < 0 ? "(-1/0)" : "(1/0)" }
        return String(value)  // shortest text that reads back exactly; always with `.` or `e`
    }

    /// A number where Lua's integer/float distinction does not matter (a
    /// duration in seconds): whole values below 2^53 as integers (`5`, not
    /// `5.0`), others as `float` writes them.
    public static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 9_007_199_254_740_992 ? String(Int64(value)) : float(value)
    }

    /// `value` as a Lua expression on one line; nil when it holds a function
    /// or another value that has no literal. Tables list their sequence
    /// first (`{ 1, 2, 3 }`), then the other keys in a stable order
    /// (identifiers bare, others in brackets).
    public static func value(_ value: LuaValue) -> String? {
        switch value {
        case .nil: return "nil"
        case .boolean(let b): return b ? "true" : "false"
        case .integer(let i): return integer(i)
        case .number(let d): return float(d)
        case .string(let s): return string(s)
        case .bytes(let b): return string(bytes: b)
        case .function, .opaque: return nil
        case .table(let t): return table(t)
        }
    }

    private static func table(_ t: LuaTable) -> String? {
        var parts: [String] = []
        let sequence = t.sequence
        for item in sequence {
            guard let text = value(item) else { return nil }
            parts.append(text)
        }
        let rest = t.entries.filter { key, _ in
            if case .integer(let i) = key, i >= 1, i <= sequence.count { return false }
            return true
        }
        for (key, item) in rest.sorted(by: { order($0.key) < order($1.key) }) {
            guard let itemText = value(item) else { return nil }
            let keyText: String
            if case .string(let s) = key, isIdentifier(s) {
                keyText = s
            } else {
                guard let text = Self.value(key) else { return nil }
                keyText = "[" + text + "]"
            }
            parts.append(keyText + " = " + itemText)
        }
        return parts.isEmpty ? "{}" : "{ " + parts.joined(separator: ", ") + " }"
    }

    /// A sort key for table keys: by kind, then by value.
    private static func order(_ key: LuaValue) -> String {
        switch key {
        case .string(let s): return "1" + s
        case .bytes(let b): return "2" + b.map { String($0) }.joined(separator: ",")
        case .integer(let i): return "3" + String(i)
        case .number(let d): return "4" + String(d)
        case .boolean(let b): return "5" + String(b)
        default: return "6"
        }
    }

    /// Appends `\ddd`, three digits always.
    private static func appendDecimal(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "0") + byte / 100)
        out.append(UInt8(ascii: "0") + byte / 10 % 10)
        out.append(UInt8(ascii: "0") + byte % 10)
    }

    /// The length of the well-formed UTF-8 sequence starting at `at`
    /// (no overlong forms, surrogates or values past U+10FFFF), or nil.
    private static func validSequence(_ bytes: [UInt8], at: Int) -> Int? {
        let length: Int
        let second: ClosedRange<UInt8>
        switch bytes[at] {
        case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: return nil
        }
        guard at + length <= bytes.count, second.contains(bytes[at + 1]) else { return nil }
        for i in at + 2..<at + length where !(0x80...0xBF).contains(bytes[i]) { return nil }
        return length
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
}
