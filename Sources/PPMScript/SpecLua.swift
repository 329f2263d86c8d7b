import LuaKit
package import PPMMachine

/// A spec as Lua source: the `ppm.service { ... }` statement `export` writes,
/// with the fields `SpecJSON.encode` keeps (defaults left out).
package enum SpecLua {
    /// `ppm.service {` and one field a line: `name` and `cmd` first, the
    /// others in alphabetical order.
    package static func statement(_ spec: ServiceSpec) -> String {
        guard case .object(let json) = SpecJSON.encode(spec) else { return "" }
        var fields = json.mapValues(luaValue)
        // The conditions of `requires` are its map form in Lua: `{ "cache", db = "healthy" }`.
        if case .object(let conditions)? = json["require_conditions"] {
            var requires = LuaTable(array: spec.requires.filter { conditions[$0] == nil }.map { .string($0) })
            for (name, condition) in conditions { requires[name] = LuaValue(json: condition) }
            fields["require_conditions"] = nil
            fields["requires"] = .table(requires)
        }
        let lines = order(Array(fields.keys)).compactMap { key in
            fields[key].map { "  \(LuaLiteral.key(key)) = \(LuaLiteral.value($0) ?? "nil"),\n" }
        }
        return "ppm.service {\n" + lines.joined() + "}\n"
    }

    /// `name` and `cmd` first, the others in alphabetical order (once each).
    private static func order(_ keys: [String]) -> [String] {
        ["name", "cmd"] + Set(keys).subtracting(["name", "cmd"]).sorted()
    }

    /// JSON as the Lua value the field reader takes: whole numbers of
    /// seconds as integers (`stop_timeout = 5`, not `5.0`).
    private static func luaValue(_ json: JSONValue) -> LuaValue {
        switch json {
        case .double(let d) where d == d.rounded() && abs(d) < 9_007_199_254_740_992: return .integer(Int64(d))
        case .array(let a): return .table(LuaTable(array: a.map(luaValue)))
        case .object(let o):
            var t = LuaTable()
            for (k, v) in o { t[k] = luaValue(v) }
            return .table(t)
        default: return LuaValue(json: json)
        }
    }
}
