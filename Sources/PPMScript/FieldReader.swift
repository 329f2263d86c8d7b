import LuaKit
import PPMMachine

/// Type checks for the fields of one table, with errors that name what it
/// belongs to: `service 'web': ...`, `ppm.settings: ...`, `ppm.spawn: ...`.
struct FieldReader {
    /// The prefix of every error.
    let label: String

    /// Fields of `ppm.service{}` for the named service.
    init(service: String) { label = "service '\(ConfigErrors.clip(service))'" }

    /// Fields of another call, e.g. `ppm.settings`.
    init(label: String) { self.label = label }

    func error(_ message: String) -> LuaHostError { LuaHostError("\(label): \(message)") }

    private func wrongType(_ field: String, _ expected: String, _ v: LuaValue) -> LuaHostError {
        error("'\(field)' must be \(expected), got \(v.typeName)")
    }

    func string(_ v: LuaValue, _ field: String) throws -> String? {
        switch v {
        case .nil: return nil
        case .string(let s): return s
        default: throw wrongType(field, "a string", v)
        }
    }

    /// `forward`: "stdout", "json", "journal", or false (nowhere).
    func forward(_ v: LuaValue, _ field: String) throws -> ForwardMode? {
        switch v {
        case .nil: return nil
        case .boolean(false): return .off
        case .string(let s):
            guard let mode = ForwardMode(setting: s) else {
                throw error("'\(field)' must be \(ForwardMode.names), got \"\(ConfigErrors.clip(s))\"")
            }
            return mode
        default: throw wrongType(field, ForwardMode.names, v)
        }
    }

    func bool(_ v: LuaValue, _ field: String) throws -> Bool? {
        switch v {
        case .nil: return nil
        case .boolean(let b): return b
        default: throw wrongType(field, "a boolean", v)
        }
    }

    func integer(_ v: LuaValue, _ field: String) throws -> Int? {
        switch v {
        case .nil: return nil
        case .integer(let i): return Int(i)
        case .number(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: throw wrongType(field, "an integer", v)
        }
    }

    /// A size in bytes: a non-negative integer or text such as "10M".
    func size(_ v: LuaValue, _ field: String) throws -> Int? {
        switch v {
        case .nil: return nil
        case .integer(let i) where i >= 0: return Int(i)
        case .integer: throw error("'\(field)' must not be negative")
        case .string(let s):
            guard let n = ByteSize.bytes(s) else {
                throw error("'\(field)' is not a size: \"\(ConfigErrors.clip(s))\" (use bytes or a unit: 512k, 10M, 1G)")
            }
            return n
        default: throw wrongType(field, "a size (bytes or text like \"10M\")", v)
        }
    }

    /// A count that cannot be negative.
    func count(_ v: LuaValue, _ field: String) throws -> Int? {
        guard let n = try integer(v, field) else { return nil }
        guard n >= 0 else { throw error("'\(field)' must not be negative, got \(n)") }
        return n
    }

    func function(_ v: LuaValue, _ field: String) throws -> LuaRef? {
        switch v {
        case .nil: return nil
        case .function(let f): return f
        default: throw wrongType(field, "a function", v)
        }
    }

    func duration(_ v: LuaValue, _ field: String) throws -> Double? {
        switch v {
        case .nil: return nil
        case .integer(let i) where i >= 0: return Double(i)
        case .number(let d) where d >= 0 && d.isFinite: return d
        case .integer(let i): throw error("'\(field)' must not be negative, got \(i)")
        case .number(let d) where d < 0: throw error("'\(field)' must not be negative, got \(d)")
        case .string(let s):
            guard let d = Durations.seconds(s) else {
                throw error("'\(field)' is not a duration: \"\(ConfigErrors.clip(s))\" (use seconds or a unit: 500ms, 10s, 5m, 1h, 1d)")
            }
            return d
        default: throw wrongType(field, "a duration (seconds or text like \"5m\")", v)
        }
    }

    func command(_ v: LuaValue) throws -> [String] {
        let words: [String]
        switch v {
        case .string(let s):
            do { words = try ShellWords.split(s) } catch { throw self.error("'cmd': \(error)") }
        case .table(let t):
            guard t.isSequence else { throw error("'cmd' must be an array of strings") }
            words = try t.sequence.map { w in
                guard case .string(let s) = w else { throw error("'cmd' must be an array of strings, found \(w.typeName)") }
                return s
            }
        default:
            throw wrongType("cmd", "a string or an array of strings", v)
        }
        guard let first = words.first, !first.isEmpty else { throw error("'cmd' is empty") }
        return words
    }

    func strings(_ v: LuaValue, _ field: String) throws -> [String]? {
        switch v {
        case .nil: return nil
        case .string(let s): return [s]
        case .table(let t) where t.isSequence:
            return try t.sequence.map { w in
                guard case .string(let s) = w else { throw error("'\(field)' must be an array of strings, found \(w.typeName)") }
                return s
            }
        default: throw wrongType(field, "an array of strings", v)
        }
    }

    /// `env_file`: one path or a list, each made absolute against `base`
    /// (a leading `-`, "may be missing", is kept in front).
    func envFiles(_ v: LuaValue, base: String?) throws -> [String] {
        try (strings(v, "env_file") ?? []).map { entry in
            let optional = entry.hasPrefix("-")
            let path = optional ? String(entry.dropFirst()) : entry
            guard !path.isEmpty else { throw error("'env_file' has an empty path") }
            guard !path.utf8.contains(0) else { throw error("'env_file' path holds a NUL byte") }
            let absolute = path.hasPrefix("/") || base == nil ? path : "\(base!)/\(path)"
            return (optional ? "-" : "") + absolute
        }
    }

    func integers(_ v: LuaValue, _ field: String) throws -> [Int]? {
        switch v {
        case .nil: return nil
        case .table(let t) where t.isSequence:
            return try t.sequence.map { w in
                guard let i = try integer(w, field), i >= 0 else { throw error("'\(field)' must be an array of CPU numbers") }
                return i
            }
        default: throw wrongType(field, "an array of integers", v)
        }
    }

    func stringMap(_ v: LuaValue, _ field: String) throws -> [String: String]? {
        switch v {
        case .nil: return nil
        case .table(let t):
            var out: [String: String] = [:]
            for (k, value) in t.entries {
                guard case .string(let key) = k, !key.isEmpty, !key.contains("=") else {
                    throw error("'\(field)' keys must be variable names")
                }
                switch value {
                case .string(let s): out[key] = s
                case .integer(let i): out[key] = String(i)
                case .number(let d): out[key] = String(d)
                case .boolean(let b): out[key] = b ? "true" : "false"
                default: throw error("'\(field).\(key)' must be a string, got \(value.typeName)")
                }
            }
            return out
        default: throw wrongType(field, "a table of strings", v)
        }
    }

    func signal(_ v: LuaValue, _ field: String) throws -> Int32 {
        switch v {
        case .string(let s):
            guard let n = Signals.number(s) else { throw error("'\(field)': unknown signal \"\(ConfigErrors.clip(s))\"") }
            return n
        case .integer(let i) where i > 0 && i < 65: return Int32(i)
        default: throw wrongType(field, "a signal name or number", v)
        }
    }

    func limits(_ v: LuaValue) throws -> [ResourceLimit] {
        guard case .table(let t) = v else {
            if v == .nil { return [] }
            throw wrongType("ulimit", "a table", v)
        }
        return try t.entries.map { key, value in
            guard case .string(let name) = key, ResourceLimit.resources[name] != nil else {
                let k = key.stringValue ?? key.typeName
                let hint = Suggest.hint(k, in: Array(ResourceLimit.resources.keys))
                throw error("'ulimit': unknown resource '\(ConfigErrors.clip(k))'\(hint)")
            }
            switch value {
            case .table(let pair):
                return ResourceLimit(name: name, soft: try limit(pair["soft"], name), hard: try limit(pair["hard"], name))
            default:
                let l = try limit(value, name)
                return ResourceLimit(name: name, soft: l, hard: l)
            }
        }.sorted { $0.name < $1.name }
    }

    private func limit(_ v: LuaValue, _ name: String) throws -> UInt64? {
        switch v {
        case .string("infinity"), .string("unlimited"): return nil
        case .integer(let i) where i >= 0: return UInt64(i)
        default: throw error("'ulimit.\(name)' must be a non-negative integer or \"infinity\"")
        }
    }
}
