/// A Lua value copied into Swift.
///
/// Strings that are valid UTF-8 arrive as `.string`, any other byte string as
/// `.bytes`; both are pushed back to Lua byte for byte (NUL bytes included).
/// Integers and floats stay apart, as in Lua 5.4. Functions and other
/// reference values (userdata, threads) stay in Lua and are held by a `LuaRef`.
public enum LuaValue: Hashable, Sendable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case bytes([UInt8])
    case table(LuaTable)
    case function(LuaRef)
    /// A userdata, thread or light userdata.
    case opaque(LuaRef)

    /// The Lua type name (`type(v)` in Lua).
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .boolean: return "boolean"
        case .integer, .number: return "number"
        case .string, .bytes: return "string"
        case .table: return "table"
        case .function: return "function"
        case .opaque(let ref): return ref.typeName
        }
    }

    /// The string, if this is a UTF-8 string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The bytes of a string of either kind.
    public var byteValue: [UInt8]? {
        switch self {
        case .string(let s): return Array(s.utf8)
        case .bytes(let b): return b
        default: return nil
        }
    }

    /// An integer, or a float with an exact integer value.
    public var integerValue: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let d): return d.rounded() == d && abs(d) < 9.2e18 ? Int64(d) : nil
        default: return nil
        }
    }

    /// Any number as a Double.
    public var numberValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    public var tableValue: LuaTable? {
        if case .table(let t) = self { return t }
        return nil
    }

    public var isNil: Bool { self == .nil }
}

extension LuaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(nilLiteral: ()) { self = .nil }
}

/// A Lua table copied into Swift: keys and values by value.
public struct LuaTable: Hashable, Sendable {
    public var entries: [LuaValue: LuaValue]

    public init(_ entries: [LuaValue: LuaValue] = [:]) { self.entries = entries }

    /// A sequence `{a, b, c}`.
    public init(array: [LuaValue]) {
        var e: [LuaValue: LuaValue] = [:]
        for (i, v) in array.enumerated() where v != .nil { e[.integer(Int64(i + 1))] = v }
        self.entries = e
    }

    public subscript(key: String) -> LuaValue {
        get { entries[.string(key)] ?? .nil }
        set { entries[.string(key)] = newValue == .nil ? nil : newValue }
    }

    public subscript(index: Int) -> LuaValue {
        get { entries[.integer(Int64(index))] ?? .nil }
        set { entries[.integer(Int64(index))] = newValue == .nil ? nil : newValue }
    }

    /// The values at 1, 2, 3 ... up to the first nil (Lua's `ipairs`).
    public var sequence: [LuaValue] {
        var out: [LuaValue] = []
        while let v = entries[.integer(Int64(out.count + 1))] { out.append(v) }
        return out
    }

    /// True when every key is part of the sequence 1...n (an empty table too).
    public var isSequence: Bool { sequence.count == entries.count }

    /// The string keys, sorted.
    public var stringKeys: [String] { entries.keys.compactMap(\.stringValue).sorted() }
}
