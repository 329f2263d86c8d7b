import LuaKit
package import PPMMachine

extension LuaValue {
    /// JSON data as Lua values.
    /// JSON data as Lua values (`null` becomes nil, so it drops out of tables).
    package init(json: JSONValue) {
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

extension JSONValue {
    /// A Lua value as JSON (`ppm.json`): an array for a sequence (an empty
    /// table too), an object for other tables (keys as text), null for nil,
    /// functions and other values JSON cannot hold.
    init(lua value: LuaValue) {
        switch value {
        case .nil, .function, .opaque: self = .null
        case .boolean(let b): self = .bool(b)
        case .integer(let i): self = .int(i)
        case .number(let d): self = d.isFinite ? .double(d) : .null
        case .string(let s): self = .string(s)
        case .bytes(let b): self = .string(String(decoding: b, as: UTF8.self))
        case .table(let t) where t.isSequence: self = .array(t.sequence.map(JSONValue.init(lua:)))
        case .table(let t):
            var o: [String: JSONValue] = [:]
            for (k, v) in t.entries {
                switch k {
                case .string(let s): o[s] = JSONValue(lua: v)
                case .integer(let i): o[String(i)] = JSONValue(lua: v)
                case .number(let d): o[String(d)] = JSONValue(lua: v)
                default: continue
                }
            }
            self = .object(o)
        }
    }
}
