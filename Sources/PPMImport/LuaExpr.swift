/// A Lua value or expression as the importer writes it: literals are quoted
/// and escaped here, `code` is written as given.
public indirect enum LuaExpr: Equatable, Sendable {
    /// A string literal.
    case string(String)
    /// An integer literal.
    case int(Int)
    /// A float literal.
    case number(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// `{ a, b, c }`.
    case array([LuaExpr])
    /// `{ key = value, ... }`, in the order given.
    case table([LuaField])
    /// A Lua expression written as is (a function call, a variable).
    case code(String)

    /// The expression as Lua source on one line.
    public var inline: String {
        switch self {
        case .string(let s): return LuaExpr.quote(s)
        case .int(let i): return String(i)
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return items.isEmpty ? "{}" : "{ " + items.map(\.inline).joined(separator: ", ") + " }"
        case .table(let fields):
            return fields.isEmpty ? "{}" : "{ " + fields.map { "\(LuaExpr.key($0.key)) = \($0.value.inline)" }.joined(separator: ", ") + " }"
        case .code(let c): return c
        }
    }

    /// A Lua string literal for `s`: in double quotes, or single quotes when
    /// `s` holds double quotes and no single ones; `\\`, the quote, `\n`,
    /// `\t`, `\r` escaped, other control bytes as `\ddd` (three digits).
    public static func quote(_ s: String) -> String {
        let mark: Unicode.Scalar = s.contains("\"") && !s.contains("'") ? "'" : "\""
        var out = String(mark)
        for u in s.unicodeScalars {
            switch u {
            case mark: out += "\\" + String(mark)
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // Three digits always: `\7` followed by `1` would read as `\71`.
            case _ where u.value < 0x20 || u.value == 0x7F: out += "\\" + String(u.value + 1000).dropFirst()
            default: out.unicodeScalars.append(u)
            }
        }
        return out + String(mark)
    }

    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    /// `name` when it is a Lua identifier, else `["name"]`.
    public static func key(_ name: String) -> String {
        isIdentifier(name) ? name : "[\(quote(name))]"
    }

    /// Whether `name` can be written bare as a table key or variable.
    public static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        let ok = name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
        return ok && !keywords.contains(name)
    }
}

/// One `key = value` of a Lua table, with an optional comment after it.
public struct LuaField: Equatable, Sendable {
    /// The key (written bare when it is an identifier).
    public var key: String
    /// The value.
    public var value: LuaExpr
    /// Written as `-- comment` at the end of the line.
    public var comment: String?

    /// A field.
    public init(_ key: String, _ value: LuaExpr, comment: String? = nil) {
        self.key = key
        self.value = value
        self.comment = comment
    }
}
