import LuaKit
import PPMMachine

/// Reads SPEC 9's service fields: `ready`, `ready_timeout`, `ready_every`,
/// `health`, `watchdog` and the map form of `requires`, with one-line
/// errors naming the field.
struct ReadinessReader {
    let field: FieldReader

    /// `ready = "started" | "notify" | {fd=N} | {log=P} | {tcp=A} | {http=U} | {exec=C} | function`;
    /// the function, when it is one.
    func ready(_ v: LuaValue) throws -> (ReadySpec, LuaRef?) {
        switch v {
        case .nil, .string("started"): return (.started, nil)
        case .string("notify"): return (.notify, nil)
        case .function(let f): return (.probe(.function), f)
        case .string(let s):
            throw field.error(
                "'ready' must be \"started\", \"notify\", a table ({fd=N}, {log=PATTERN}, {tcp=ADDR}, {http=URL}, {exec=CMD}) or a function, got \"\(ConfigErrors.clip(s))\""
            )
        case .table(let t):
            let kinds = ["fd", "log", "tcp", "http", "exec"].filter { t[$0] != .nil }
            try onlyKeys(t, kinds.isEmpty ? ["fd", "log", "tcp", "http", "exec"] : kinds, in: "ready")
            guard kinds.count == 1 else {
                throw field.error(
                    "'ready' needs exactly one of fd, log, tcp, http, exec\(kinds.isEmpty ? "" : ", got \(kinds.joined(separator: " and "))")")
            }
            switch kinds[0] {
            case "fd":
                guard let n = try field.integer(t["fd"], "ready.fd"), (3...1023).contains(n) else {
                    throw field.error("'ready.fd' must be a descriptor number from 3 to 1023 (0-2 are stdin, stdout and stderr)")
                }
                return (.fd(Int32(n)), nil)
            case "log":
                guard let pattern = try field.string(t["log"], "ready.log"), !pattern.isEmpty else {
                    throw field.error("'ready.log' must be a non-empty Lua pattern")
                }
                return (.log(pattern), nil)
            default:
                return (.probe(try probe(kinds[0], t[kinds[0]], in: "ready")), nil)
            }
        default:
            throw field.error("'ready' must be a string, a table or a function, got \(v.typeName)")
        }
    }

    /// `health = function | {tcp=A | http=U | exec=C | check=function, every, timeout, failures, start_period}`.
    func health(_ v: LuaValue) throws -> (HealthSpec, LuaRef?)? {
        switch v {
        case .nil: return nil
        case .function(let f): return (HealthSpec(probe: .function), f)
        case .table(let t):
            try onlyKeys(t, ["tcp", "http", "exec", "check", "every", "timeout", "failures", "start_period"], in: "health")
            let kinds = ["tcp", "http", "exec", "check"].filter { t[$0] != .nil }
            guard kinds.count == 1 else {
                throw field.error(
                    "'health' needs exactly one of tcp, http, exec, check (a function)\(kinds.isEmpty ? "" : ", got \(kinds.joined(separator: " and "))")"
                )
            }
            var spec: HealthSpec
            var function: LuaRef?
            if kinds[0] == "check" {
                guard let f = try field.function(t["check"], "health.check") else { throw field.error("'health.check' must be a function") }
                spec = HealthSpec(probe: .function)
                function = f
            } else {
                spec = HealthSpec(probe: try probe(kinds[0], t[kinds[0]], in: "health"))
            }
            spec.every = try positive(t["every"], "health.every") ?? spec.every
            spec.timeout = try positive(t["timeout"], "health.timeout") ?? spec.timeout
            spec.startPeriod = try field.duration(t["start_period"], "health.start_period") ?? spec.startPeriod
            if let n = try field.integer(t["failures"], "health.failures") {
                guard n >= 1 else { throw field.error("'health.failures' must be at least 1, got \(n)") }
                spec.failures = n
            }
            return (spec, function)
        default:
            throw field.error("'health' must be a table or a function, got \(v.typeName)")
        }
    }

    /// A duration that must be more than zero.
    func positive(_ v: LuaValue, _ name: String) throws -> Double? {
        guard let d = try field.duration(v, name) else { return nil }
        guard d > 0 else { throw field.error("'\(name)' must be more than 0") }
        return d
    }

    /// `requires = { "db", cache = "started", migrate = "succeeded" }`: the
    /// names in order (the list first, then the map's names sorted) and the
    /// conditions the map names.
    func requires(_ v: LuaValue) throws -> ([String], [String: RequireCondition]) {
        guard case .table(let t) = v, !t.isSequence else { return (try field.strings(v, "requires") ?? [], [:]) }
        var names: [String] = []
        var conditions: [String: RequireCondition] = [:]
        for item in t.sequence {
            guard case .string(let name) = item else { throw field.error("'requires' names must be strings, found \(item.typeName)") }
            names.append(name)
        }
        let mapped = try t.entries.compactMap { key, value -> (String, RequireCondition)? in
            if case .integer = key { return nil }
            guard case .string(let name) = key else { throw field.error("'requires' keys must be service names") }
            let words = "\"started\", \"ready\", \"healthy\" or \"succeeded\""
            guard case .string(let word) = value else {
                throw field.error("'requires.\(ConfigErrors.clip(name))' must be \(words), got \(value.typeName)")
            }
            guard let condition = RequireCondition(rawValue: word) else {
                throw field.error("'requires.\(ConfigErrors.clip(name))' must be \(words), got \"\(ConfigErrors.clip(word))\"")
            }
            return (name, condition)
        }
        for (name, condition) in mapped.sorted(by: { $0.0 < $1.0 }) {
            if !names.contains(name) { names.append(name) }
            conditions[name] = condition
        }
        return (names, conditions)
    }

    private func probe(_ kind: String, _ v: LuaValue, in owner: String) throws -> Probe {
        let name = "\(owner).\(kind)"
        switch kind {
        case "tcp":
            guard let address = try field.string(v, name), ProbeAddress.isHostPort(address) else {
                throw field.error("'\(name)' must be \"HOST:PORT\" (\"[::1]:PORT\" for IPv6)")
            }
            return .tcp(address)
        case "http":
            guard let url = try field.string(v, name) else { throw field.error("'\(name)' must be a URL") }
            if url.lowercased().hasPrefix("https://") { throw field.error("'\(name)': https is not supported; probe http://") }
            guard url.lowercased().hasPrefix("http://"), ProbeAddress.isHostPort(ProbeAddress.authority(of: url), defaultPort: true) else {
                throw field.error("'\(name)' must be a URL like \"http://127.0.0.1:8080/health\", got \"\(ConfigErrors.clip(url))\"")
            }
            return .http(url)
        default:
            if case .string(let s) = v {
                guard !s.isEmpty else { throw field.error("'\(name)' is empty") }
                return .exec(["/bin/sh", "-c", s])
            }
            do { return .exec(try field.command(v)) } catch { throw field.error("'\(name)' must be a command (a string or an array of strings)") }
        }
    }

    private func onlyKeys(_ t: LuaTable, _ allowed: [String], in owner: String) throws {
        for key in t.entries.keys {
            guard case .string(let k) = key, allowed.contains(k) else {
                let text = if case .string(let k) = key { k } else { key.typeName }
                let all = owner == "ready" ? ["fd", "log", "tcp", "http", "exec"] : allowed
                throw field.error("'\(owner)' has an unknown key '\(ConfigErrors.clip(text))'\(Suggest.hint(text, in: all))")
            }
        }
    }
}

/// Checks of `HOST:PORT` text for probes.
enum ProbeAddress {
    /// `host:port`, `[v6]:port` (the port 1-65535); with `defaultPort`, the port may be left out.
    static func isHostPort(_ text: String, defaultPort: Bool = false) -> Bool {
        let host: Substring
        let port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return false }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { port = nil } else if rest.hasPrefix(":") { port = rest.dropFirst() } else { return false }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            (host, port) = (Substring(text), nil)
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return false }
        guard let port else { return defaultPort }
        return UInt16(port).map { $0 > 0 } ?? false
    }

    /// The `host[:port]` part of an http URL.
    static func authority(of url: String) -> String {
        let rest = url.dropFirst("http://".count)
        return String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
    }
}
