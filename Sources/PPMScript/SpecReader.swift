import Glibc
import LuaKit
import PPMCore

/// The Lua functions a service declared; the core never sees them.
struct ServiceScripts {
    var onStart: LuaRef?
    var onExit: LuaRef?
    var policy: LuaRef?
    var onOutput: LuaRef?
}

/// Turns the table given to `ppm.service{}` into a `ServiceSpec`, strictly:
/// every field of SPEC 5.1 is checked for its type and value, and an unknown
/// field is named with the field it probably meant.
struct SpecReader {
    static let fields = [
        "name", "cmd", "dir", "env", "clean_env", "user", "group", "stdin", "stdout", "stderr",
        "ulimit", "nice", "cpu", "requires", "groups", "autostart", "start_after", "once", "wait",
        "disabled", "depends", "bounce", "stop_signal", "stop_timeout", "restart", "on_start", "on_exit",
        "on_output", "log_max_size", "log_keep", "log_timestamps",
    ]

    /// Relative `dir` values are taken from here (the config file's folder).
    var baseDirectory: String?

    func read(_ table: LuaTable) throws -> (ServiceSpec, ServiceScripts) {
        guard case .string(let name)? = table.entries["name"] else {
            if let v = table.entries["name"] { throw LuaHostError("service: 'name' must be a string, got \(v.typeName)") }
            throw LuaHostError("service: missing 'name'")
        }
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("@"), name != "all",
              name.allSatisfy({ !$0.isWhitespace }) else {
            throw LuaHostError("service '\(name)': 'name' must be a word without '/' or spaces, not '@…' or 'all'")
        }
        let field = FieldReader(service: name)
        for key in table.entries.keys {
            guard case .string(let k) = key else {
                throw LuaHostError("service '\(name)': unexpected non-string key \(describe(key))")
            }
            if !Self.fields.contains(k) {
                let hint = Suggest.hint(k, in: Self.fields)
                throw LuaHostError("service '\(name)': unknown field '\(k)'\(hint)")
            }
        }
        guard let cmdValue = table.entries["cmd"] else { throw LuaHostError("service '\(name)': missing 'cmd'") }
        var spec = ServiceSpec(name: name, cmd: try field.command(cmdValue))
        var scripts = ServiceScripts()
        let t = table
        spec.dir = try field.string(t["dir"], "dir").map { dir in
            guard !dir.hasPrefix("/"), let base = baseDirectory else { return dir }
            return "\(base)/\(dir)"
        }
        spec.env = try field.stringMap(t["env"], "env") ?? [:]
        spec.cleanEnv = try field.bool(t["clean_env"], "clean_env") ?? false
        spec.user = try field.string(t["user"], "user")
        spec.group = try field.string(t["group"], "group")
        if spec.user != nil || spec.group != nil { try checkPrivileges(spec) }
        spec.stdin = try field.string(t["stdin"], "stdin")
        spec.stdout = try field.string(t["stdout"], "stdout")
        spec.stderr = try field.string(t["stderr"], "stderr")
        spec.ulimit = try field.limits(t["ulimit"])
        if let nice = try field.integer(t["nice"], "nice") {
            guard (-20...19).contains(nice) else { throw field.error("'nice' must be between -20 and 19, got \(nice)") }
            spec.nice = nice
        }
        spec.cpu = try field.integers(t["cpu"], "cpu") ?? []
        spec.requires = try field.strings(t["requires"], "requires") ?? []
        spec.groups = try field.strings(t["groups"], "groups") ?? []
        spec.autostart = try field.bool(t["autostart"], "autostart") ?? true
        spec.startAfter = try field.duration(t["start_after"], "start_after") ?? 0
        spec.once = try field.bool(t["once"], "once") ?? false
        spec.wait = try field.bool(t["wait"], "wait") ?? false
        spec.disabled = try field.bool(t["disabled"], "disabled") ?? false
        spec.depends = try field.strings(t["depends"], "depends") ?? []
        spec.bounce = try field.duration(t["bounce"], "bounce")
        if let sig = t.entries["stop_signal"] { spec.stopSignal = try field.signal(sig, "stop_signal") }
        spec.stopTimeout = try field.duration(t["stop_timeout"], "stop_timeout")
        spec.logMaxSize = try field.size(t["log_max_size"], "log_max_size")
        spec.logKeep = try field.count(t["log_keep"], "log_keep")
        spec.logTimestamps = try field.bool(t["log_timestamps"], "log_timestamps")
        switch t["restart"] {
        case .nil: break
        case .string(let s):
            guard let policy = RestartPolicy(rawValue: s), policy != .function else {
                throw field.error("'restart' must be \"on-failure\", \"always\", \"never\" or a function, got \"\(s)\"")
            }
            spec.restart = policy
        case .function(let f):
            spec.restart = .function
            scripts.policy = f
        case let v: throw field.error("'restart' must be a string or a function, got \(v.typeName)")
        }
        scripts.onStart = try field.function(t["on_start"], "on_start")
        scripts.onExit = try field.function(t["on_exit"], "on_exit")
        scripts.onOutput = try field.function(t["on_output"], "on_output")
        spec.scriptedFields = [("restart", scripts.policy), ("on_start", scripts.onStart), ("on_exit", scripts.onExit),
                               ("on_output", scripts.onOutput)]
            .filter { $0.1 != nil }.map(\.0)
        return (spec, scripts)
    }

    private func checkPrivileges(_ spec: ServiceSpec) throws {
        guard geteuid() != 0 else { return }
        if let user = spec.user, let pw = getpwnam(user), pw.pointee.pw_uid == geteuid(), spec.group == nil { return }
        let field = spec.user != nil ? "user" : "group"
        throw LuaHostError("service '\(spec.name)': '\(field)' needs the daemon to run as root (it runs as uid \(geteuid()))")
    }
}

private func describe(_ v: LuaValue) -> String {
    switch v {
    case .integer(let i): return "[\(i)]"
    case .number(let d): return "[\(d)]"
    default: return "(\(v.typeName))"
    }
}

/// Type checks for one service's fields, with errors that name the service.
struct FieldReader {
    let service: String

    func error(_ message: String) -> LuaHostError { LuaHostError("service '\(service)': \(message)") }

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
                throw error("'\(field)' is not a size: \"\(s)\" (use bytes or a unit: 512k, 10M, 1G)")
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
        case .string(let s):
            guard let d = Durations.seconds(s) else {
                throw error("'\(field)' is not a duration: \"\(s)\" (use seconds or a unit: 500ms, 10s, 5m, 1h, 1d)")
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
            guard let n = Signals.number(s) else { throw error("'\(field)': unknown signal \"\(s)\"") }
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
                throw error("'ulimit': unknown resource '\(k)'\(hint)")
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
