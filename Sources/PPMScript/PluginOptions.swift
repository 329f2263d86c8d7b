import LuaKit
import PPMMachine

/// Checks the options table a plugin constructor was given against the
/// options it declares (`ppm.options`): unknown names (with a "did you
/// mean"), wrong types and bad durations are one-line errors naming the
/// plugin; missing options take their defaults.
///
/// A declaration maps each option to `{ TYPE, DEFAULT }`; TYPE is one of
/// `number`, `integer`, `duration` (seconds or text like `"5m"`, read as
/// seconds), `string`, `boolean`, `table`, `function`, `strings` (a string
/// or an array of strings, read as an array) or `any`.
struct PluginOptions {
    static let types = ["number", "integer", "duration", "string", "boolean", "table", "function", "strings", "any"]

    let plugin: String

    func check(_ given: LuaTable, against declared: LuaTable) throws -> LuaTable {
        var kinds: [LuaValue: (type: String, fallback: LuaValue)] = [:]
        for (key, entry) in declared.entries {
            guard case .table(let pair) = entry, case .string(let type) = pair[1], Self.types.contains(type) else {
                throw LuaHostError(
                    "ppm.options: the declaration of '\(key.stringValue ?? key.typeName)' must be { TYPE, DEFAULT } "
                        + "with TYPE one of \(Self.types.joined(separator: ", "))")
            }
            kinds[key] = (type, pair[2])
        }
        let names = declared.entries.keys.compactMap(\.stringValue)
        var out = LuaTable()
        for (key, value) in given.entries {
            guard let kind = kinds[key] else {
                let name = key.stringValue ?? describe(key)
                throw LuaHostError(
                    "\(plugin): unknown option '\(name)'\(Suggest.hint(name, in: names))"
                        + (names.isEmpty ? "" : " (options: \(names.sorted().joined(separator: ", ")))"))
            }
            out.entries[key] = try convert(value, kind.type, describe(key))
        }
        for (key, kind) in kinds where out.entries[key] == nil && kind.fallback != .nil {
            out.entries[key] = try convert(kind.fallback, kind.type, describe(key))
        }
        return out
    }

    private func describe(_ key: LuaValue) -> String {
        switch key {
        case .string(let s): return s
        case .integer(let i): return "[\(i)]"
        default: return key.typeName
        }
    }

    private func convert(_ v: LuaValue, _ type: String, _ name: String) throws -> LuaValue {
        func wrong(_ expected: String) -> LuaHostError {
            LuaHostError("\(plugin): option '\(name)' must be \(expected), got \(v.typeName)")
        }
        switch (type, v) {
        case ("any", _), ("number", .integer), ("number", .number), ("integer", .integer),
            ("string", .string), ("boolean", .boolean), ("table", .table), ("function", .function):
            return v
        case ("integer", .number(let d)) where d == d.rounded() && abs(d) < 1e15:
            return .integer(Int64(d))
        case ("duration", .integer(let i)) where i >= 0: return .number(Double(i))
        case ("duration", .number(let d)) where d >= 0 && d.isFinite: return v
        case ("duration", .string(let s)):
            guard let seconds = Durations.seconds(s) else {
                throw LuaHostError(
                    "\(plugin): option '\(name)' is not a duration: \"\(ConfigErrors.clip(s))\" (use seconds or a unit: 500ms, 10s, 5m, 1h, 1d)")
            }
            return .number(seconds)
        case ("duration", _): throw wrong("a duration (seconds or text like \"5m\")")
        case ("strings", .string): return .table(LuaTable(array: [v]))
        case ("strings", .table(let t)) where t.isSequence && t.sequence.allSatisfy({ $0.stringValue != nil }): return v
        case ("strings", _): throw wrong("a string or an array of strings")
        case ("number", _): throw wrong("a number")
        case ("integer", _): throw wrong("an integer")
        default: throw wrong("a \(type)")
        }
    }
}
