import LuaKit

/// A Lua value or expression as the importer writes it: literals through
/// `LuaLiteral`, `code` as given.
package indirect enum LuaExpr: Equatable, Sendable {
    /// A string literal.
    case string(String)
    /// An integer literal.
    case int(Int)
    /// A number; whole values are written as integers (`5`, not `5.0`).
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
    package var inline: String {
        switch self {
        case .string(let s): return LuaLiteral.string(s)
        case .int(let i): return LuaLiteral.integer(Int64(i))
        case .number(let d): return LuaLiteral.number(d)
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return items.isEmpty ? "{}" : "{ " + items.map(\.inline).joined(separator: ", ") + " }"
        case .table(let fields):
            return fields.isEmpty ? "{}" : "{ " + fields.map { "\(LuaLiteral.key($0.key)) = \($0.value.inline)" }.joined(separator: ", ") + " }"
        case .code(let c): return c
        }
    }
}

/// One `key = value` of a Lua table, with an optional comment after it.
package struct LuaField: Equatable, Sendable {
    /// The key (written bare when it is an identifier).
    package var key: String
    /// The value.
    package var value: LuaExpr
    /// Written as `-- comment` at the end of the line.
    package var comment: String?

    /// A field.
    package init(_ key: String, _ value: LuaExpr, comment: String? = nil) {
        self.key = key
        self.value = value
        self.comment = comment
    }
}
