import Glibc
import LuaKit
import PPMMachine

/// The Lua functions a service declared; the core never sees them.
struct ServiceScripts {
    var onStart: LuaRef?
    var onExit: LuaRef?
    var policy: LuaRef?
    var onOutput: LuaRef?
    /// When the policy was given to `ppm.first_start`: seconds before the first start.
    var firstStart: LuaRef?
    /// `ready = function`: the readiness probe.
    var readyProbe: LuaRef?
    /// `health = function` or `health = {check = function}`.
    var healthProbe: LuaRef?
    var onReady: LuaRef?
    var onHealth: LuaRef?

    var hasFunctions: Bool {
        onStart != nil || onExit != nil || policy != nil || onOutput != nil || readyProbe != nil || healthProbe != nil
            || onReady != nil || onHealth != nil
    }
}

/// Turns the table given to `ppm.service{}` into a `ServiceSpec`, strictly:
/// every field of SPEC 5.1 is checked for its type and value, and an unknown
/// field is named with the field it probably meant.
struct SpecReader {
    static let fields =
        [
            "name", "cmd", "dir", "env", "env_file", "clean_env", "secret_env", "user", "group", "no_new_privs", "stdin", "stdout", "stderr",
            "ulimit", "nice", "cpu", "requires", "groups", "autostart", "start_after", "once", "wait",
            "disabled", "depends", "bounce", "stop_signal", "stop_timeout", "restart", "on_start", "on_exit",
            "on_output", "log_max_size", "log_keep", "log_timestamps", "forward",
            "ready", "ready_timeout", "ready_every", "health", "on_ready", "on_health", "watchdog",
            "stop_cmd", "pre_start", "post_stop", "start_timeout", "instances",
        ] + LimitsReader.fields

    /// Relative `dir` values are taken from here (the config file's folder).
    var baseDirectory: String?
    /// Whether `user`/`group` need the process to be root.
    var checksPrivileges = true

    func read(_ table: LuaTable) throws -> (ServiceSpec, ServiceScripts) {
        guard case .string(let name)? = table.entries["name"] else {
            if let v = table.entries["name"] { throw LuaHostError("service: 'name' must be a string, got \(v.typeName)") }
            throw LuaHostError("service: missing 'name'")
        }
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix("@"), name != "all",
            name.allSatisfy({ !$0.isWhitespace })
        else {
            throw LuaHostError("service '\(ConfigErrors.clip(name))': 'name' must be a word without '/' or spaces, not '@…' or 'all'")
        }
        let field = FieldReader(service: name)
        for key in table.entries.keys {
            guard case .string(let k) = key else {
                throw LuaHostError("service '\(name)': unexpected non-string key \(describe(key))")
            }
            if !Self.fields.contains(k) {
                let hint = FieldHints.hint(k, fields: Self.fields) ?? Suggest.hint(k, in: Self.fields)
                throw LuaHostError("service '\(name)': unknown field '\(ConfigErrors.clip(k))'\(hint)")
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
        spec.envFile = try field.envFiles(t["env_file"], base: baseDirectory ?? spec.dir)
        spec.cleanEnv = try field.bool(t["clean_env"], "clean_env") ?? false
        spec.secretEnv = try field.strings(t["secret_env"], "secret_env") ?? []
        spec.user = try field.string(t["user"], "user")
        spec.group = try field.string(t["group"], "group")
        spec.noNewPrivs = try field.bool(t["no_new_privs"], "no_new_privs") ?? false
        if checksPrivileges, spec.user != nil || spec.group != nil { try checkPrivileges(spec) }
        spec.stdin = try field.string(t["stdin"], "stdin")
        spec.stdout = try field.string(t["stdout"], "stdout")
        spec.stderr = try field.string(t["stderr"], "stderr")
        spec.ulimit = try field.limits(t["ulimit"])
        if let nice = try field.integer(t["nice"], "nice") {
            guard (-20...19).contains(nice) else { throw field.error("'nice' must be between -20 and 19, got \(nice)") }
            spec.nice = nice
        }
        spec.cpu = try field.integers(t["cpu"], "cpu") ?? []
        spec.limits = try LimitsReader(field: field).read(t)
        let readiness = ReadinessReader(field: field)
        (spec.requires, spec.requireConditions) = try readiness.requires(t["requires"])
        (spec.ready, scripts.readyProbe) = try readiness.ready(t["ready"])
        spec.readyTimeout = try readiness.positive(t["ready_timeout"], "ready_timeout") ?? spec.readyTimeout
        spec.readyEvery = try readiness.positive(t["ready_every"], "ready_every") ?? spec.readyEvery
        if let (health, probe) = try readiness.health(t["health"]) {
            spec.health = health
            scripts.healthProbe = probe
        }
        spec.watchdog = try readiness.positive(t["watchdog"], "watchdog")
        if case .log = spec.ready, t["stdout"] != .nil, t["stderr"] != .nil {
            throw field.error("'ready.log' reads the output the daemon captures; with both 'stdout' and 'stderr' going to files there is none")
        }
        if spec.watchdog != nil && spec.ready != .notify {
            throw field.error("'watchdog' needs ready = \"notify\" (WATCHDOG=1 comes over the notify socket)")
        }
        spec.groups = try field.strings(t["groups"], "groups") ?? []
        if let count = try field.integer(t["instances"], "instances") {
            guard (1...ServiceInstances.maximum).contains(count) else {
                throw field.error("'instances' must be between 1 and \(ServiceInstances.maximum), got \(count)")
            }
            spec.instances = count
        }
        spec.autostart = try field.bool(t["autostart"], "autostart") ?? true
        spec.startAfter = try field.duration(t["start_after"], "start_after") ?? 0
        spec.once = try field.bool(t["once"], "once") ?? false
        spec.wait = try field.bool(t["wait"], "wait") ?? false
        spec.disabled = try field.bool(t["disabled"], "disabled") ?? false
        // Patterns relative to the service's folder, else the config's.
        spec.depends = (try field.strings(t["depends"], "depends") ?? []).map { pattern in
            guard !pattern.hasPrefix("/"), let base = spec.dir ?? baseDirectory else { return pattern }
            return "\(base)/\(pattern)"
        }
        spec.bounce = try field.duration(t["bounce"], "bounce")
        try StoppingReader(field: field).read(t, into: &spec)
        spec.logMaxSize = try field.size(t["log_max_size"], "log_max_size")
        spec.logKeep = try field.count(t["log_keep"], "log_keep")
        spec.logTimestamps = try field.bool(t["log_timestamps"], "log_timestamps")
        spec.forward = try field.forward(t["forward"], "forward")
        switch t["restart"] {
        case .nil: break
        case .string(let s):
            guard let policy = RestartPolicy(rawValue: s), policy != .function else {
                throw field.error("'restart' must be \"on-failure\", \"always\", \"never\" or a function, got \"\(ConfigErrors.clip(s))\"")
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
        scripts.onReady = try field.function(t["on_ready"], "on_ready")
        scripts.onHealth = try field.function(t["on_health"], "on_health")
        if scripts.onHealth != nil && spec.health == nil && spec.watchdog == nil {
            throw field.error("'on_health' needs a 'health' check (or a 'watchdog')")
        }
        spec.scriptedFields = [
            ("restart", scripts.policy), ("on_start", scripts.onStart), ("on_exit", scripts.onExit),
            ("on_output", scripts.onOutput), ("ready", scripts.readyProbe), ("health", scripts.healthProbe),
            ("on_ready", scripts.onReady), ("on_health", scripts.onHealth),
        ]
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
