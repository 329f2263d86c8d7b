import LuaKit
import PPMCore

extension LuaValue {
    /// JSON data as Lua values.
    /// JSON data as Lua values (`null` becomes nil, so it drops out of tables).
    public init(json: JSONValue) {
        switch json {
        case .null: self = .nil
        case .bool(let b): self = .boolean(b)
        case .int(let i): self = .integer(i)
        case .double(let d): self = .number(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .table(LuaTable(array: a.map(LuaValue.init(json:))))
        case .object(let o):
            var t = LuaTable()
            for (k, v) in o { t[k] = LuaValue(json: v) }
            self = .table(t)
        }
    }
}

extension ServiceEvent {
    /// The event table of SPEC 5.2.
    var luaTable: LuaTable {
        var t = LuaTable()
        for (k, v) in fields { t[k] = LuaValue(json: v) }
        t["type"] = .string(kind.rawValue)
        t["name"] = .string(name)
        t["time"] = .number(time)
        return t
    }
}
