import LuaKit

/// `ppm.settings{}`: daemon-wide settings, read from the config and, for
/// most of them, changed at run time (`listen` and `cgroups` only at start).
extension ScriptState {
    /// The keys `ppm.settings{}` accepts.
    static let settingKeys = [
        "backoff", "stop_timeout", "hook_timeout", "decide_timeout", "memory_limit", "log_max_size", "log_keep", "log_timestamps", "watchdog",
        "listen",
        "cgroups", "metrics", "forward",
    ]

    /// Checks every key of `t` and applies them all, or none.
    func applySettings(_ t: LuaTable) throws {
        let known = Self.settingKeys
        let field = FieldReader(label: "ppm.settings")
        for key in t.entries.keys {
            let k = key.stringValue ?? key.typeName
            guard known.contains(k) else {
                let hint = Suggest.hint(k, in: known)
                throw LuaHostError("ppm.settings: unknown setting '\(ConfigErrors.clip(k))'\(hint)")
            }
        }
        var s = settings
        switch t["backoff"] {
        case .nil: break
        case .table(let b):
            s.backoff.interval = try field.duration(b["interval"], "backoff.interval") ?? s.backoff.interval
            s.backoff.max = try field.duration(b["max"], "backoff.max") ?? s.backoff.max
            s.backoff.resetAfter = try field.duration(b["reset_after"], "backoff.reset_after") ?? s.backoff.resetAfter
        case let v: throw LuaHostError("ppm.settings: 'backoff' must be a table {interval, max, reset_after}, got \(v.typeName)")
        }
        s.stopTimeout = try field.duration(t["stop_timeout"], "stop_timeout") ?? s.stopTimeout
        let timeout = try field.duration(t["hook_timeout"], "hook_timeout") ?? hookTimeout
        let deciding = try field.duration(t["decide_timeout"], "decide_timeout") ?? decideTimeout
        var memory = lua.memoryLimit
        if let m = try field.integer(t["memory_limit"], "memory_limit") {
            guard m >= 1 << 20 else { throw LuaHostError("ppm.settings: 'memory_limit' must be at least 1 MiB (bytes)") }
            guard m > lua.memoryInUse else {
                throw LuaHostError("ppm.settings: 'memory_limit' is below what Lua already uses (\(lua.memoryInUse) bytes)")
            }
            memory = m
        }
        var logs = logPolicy
        logs.maxSize = try field.size(t["log_max_size"], "log_max_size") ?? logs.maxSize
        logs.keep = try field.count(t["log_keep"], "log_keep") ?? logs.keep
        logs.timestamps = try field.bool(t["log_timestamps"], "log_timestamps") ?? logs.timestamps
        let listen = try listenSettings(t["listen"])
        let metricsEndpoint = try metricsSettings(t["metrics"])
        let cgroups = try field.bool(t["cgroups"], "cgroups")
        let forward = try field.forward(t["forward"], "forward")
        if cgroups != nil && attached != nil {
            throw LuaHostError("ppm.settings: 'cgroups' is read from the config when the daemon starts; restart the daemon to change it")
        }
        logPolicy = logs
        watchdog = try field.duration(t["watchdog"], "watchdog") ?? watchdog
        attached?.loop?.output?.policy = logs
        settings = s
        hookTimeout = timeout
        decideTimeout = deciding
        lua.memoryLimit = memory
        send(.configure(s))
        if let listen { self.listen = listen }
        if let metricsEndpoint { self.metricsEndpoint = metricsEndpoint }
        if let cgroups { self.cgroups = cgroups }
        if let forward { self.forward = forward }
    }

    /// `listen = {...}`: read from the config only, since the listener
    /// starts with the daemon.
    private func listenSettings(_ value: LuaValue) throws -> ListenSettings? {
        switch value {
        case .nil: return nil
        case .table where attached != nil:
            throw LuaHostError("ppm.settings: 'listen' is read from the config when the daemon starts; restart the daemon to change it")
        case .table(let t): return try ListenSettings(t, folder: reader.baseDirectory ?? ".")
        case let v:
            throw LuaHostError(
                "ppm.settings: 'listen' must be a table { address = \"HOST:PORT\", token_file = FILE, allow = {...} }, got \(v.typeName)")
        }
    }
}
