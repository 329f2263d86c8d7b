/// The body of a host function: the call's arguments in, results out.
public typealias LuaHostFunction = (LuaArguments) throws -> [LuaValue]

/// The arguments of one host-function call, numbered from 1 as in Lua, with
/// checks that throw errors worded like Lua's own (`bad argument #1 to 'f'
/// (string expected, got nil)`).
public struct LuaArguments {
    /// The function's name, for error messages.
    public let function: String
    public let values: [LuaValue]

    public init(function: String, values: [LuaValue]) {
        self.function = function
        self.values = values
    }

    public var count: Int { values.count }

    /// Argument `n` (1-based); nil when absent.
    public subscript(n: Int) -> LuaValue { n >= 1 && n <= values.count ? values[n - 1] : .nil }

    /// An error about argument `n`.
    public func error(_ n: Int, _ message: String) -> LuaHostError {
        LuaHostError("bad argument #\(n) to '\(function)' (\(message))")
    }

    private func expected(_ n: Int, _ type: String) -> LuaHostError {
        error(n, "\(type) expected, got \(self[n] == .nil && n > count ? "no value" : self[n].typeName)")
    }

    public func string(_ n: Int) throws -> String {
        switch self[n] {
        case .string(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        default: throw expected(n, "string")
        }
    }

    public func optionalString(_ n: Int) throws -> String? {
        self[n] == .nil ? nil : try string(n)
    }

    public func integer(_ n: Int) throws -> Int64 {
        if let i = self[n].integerValue { return i }
        if case .number = self[n] { throw error(n, "number has no integer representation") }
        throw expected(n, "number")
    }

    public func number(_ n: Int) throws -> Double {
        if let d = self[n].numberValue { return d }
        throw expected(n, "number")
    }

    public func table(_ n: Int) throws -> LuaTable {
        if case .table(let t) = self[n] { return t }
        throw expected(n, "table")
    }

    public func optionalTable(_ n: Int) throws -> LuaTable? {
        self[n] == .nil ? nil : try table(n)
    }

    public func function(_ n: Int) throws -> LuaRef {
        if case .function(let f) = self[n] { return f }
        throw expected(n, "function")
    }
}
