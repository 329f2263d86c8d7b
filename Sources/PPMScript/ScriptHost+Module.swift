import LuaKit
import PPMCore

/// The `ppm` module's functions (SPEC 5.5): each checks its arguments at
/// once; control calls become inputs of the daemon's loop.
extension ScriptHost {
    func installModule() throws {
        var host = LuaTable()
        func def(_ name: String, _ body: @escaping LuaHostFunction) { host[name] = lua.function(name, body) }

        def("service") { [unowned self] args in
            let table = try args.table(1)
            if self.supervisor != nil {
                try self.addLive(table)
            } else {
                let (spec, scripts) = try self.readSpec(table)
                guard !self.declared.contains(where: { $0.name == spec.name }) else {
                    throw LuaHostError("service '\(spec.name)': duplicate name (already declared above)")
                }
                self.declared.append(spec)
                self.declaredAt[spec.name] = self.lua.callerPosition()
                self.scripts[spec.name] = scripts
            }
            return []
        }
        def("first_start") { [unowned self] args in
            let policy = try args.function(1)
            let delay = try args.function(2)
            self.firstStarts.removeAll { $0.policy.isSameObject(as: policy) }
            self.firstStarts.append((policy, delay))
            return [args[1]]
        }
        host["options"] = lua.function("ppm.options") { args in
            let plugin = try args.string(1)
            let given: LuaTable
            switch args[2] {
            case .nil: given = LuaTable()
            case .table(let t): given = t
            default: return [.nil, .string("\(plugin): options must be a table, got \(args[2].typeName)")]
            }
            do {
                return [.table(try PluginOptions(plugin: plugin).check(given, against: try args.table(3)))]
            } catch let e as LuaHostError {
                return [.nil, .string(e.message)]
            }
        }
        def("json") { args in [.string(JSONValue(lua: args[1]).text)] }
        def("get") { [unowned self] args in
            let name = try args.string(1)
            guard let s = self.supervisor?.snapshot(name) else { return [.nil] }
            return [.table(self.snapshotTable(s))]
        }
        def("list") { [unowned self] _ in
            [.table(LuaTable(array: (self.supervisor?.list() ?? []).map { .table(self.snapshotTable($0)) }))]
        }
        def("start") { [unowned self] args in
            let names = try self.resolve(args, "start")
            var after: Double?
            if let opts = try args.optionalTable(2) {
                after = try FieldReader(label: "ppm.start").duration(opts["after"], "after")
            }
            for name in names { self.send(.start(name, after: after)) }
            return []
        }
        def("stop") { [unowned self] args in
            for name in try self.resolve(args, "stop") { self.send(.stop(name)) }
            return []
        }
        def("restart") { [unowned self] args in
            for name in try self.resolve(args, "restart") { self.send(.restart(name)) }
            return []
        }
        def("remove") { [unowned self] args in
            let names = try self.resolve(args, "remove")
            guard let loop = self.loop else { return [] }
            for name in names { self.send(.remove(name, waiter: loop.waiter { self.scripts[name] = nil })) }
            return []
        }
        def("signal") { [unowned self] args in
            let names = try self.resolve(args, "signal")
            let sig: Int32
            switch args[2] {
            case .string(let s):
                guard let n = Signals.number(s) else { throw args.error(2, "unknown signal \"\(ConfigErrors.clip(s))\"") }
                sig = n
            case .integer(let i) where i > 0 && i < 65: sig = Int32(i)
            default: throw args.error(2, "signal name or number expected, got \(args[2].typeName)")
            }
            let running = names.filter { self.supervisor?.snapshot($0)?.pid != nil }
            if running.isEmpty, names.count == 1, let name = names.first, (try? args.string(1)) == name {
                throw LuaHostError("\(SupervisorError.notRunning(name))")
            }
            for name in running { self.send(.signal(name, sig)) }
            return [.boolean(!running.isEmpty)]
        }
        def("on") { [unowned self] args in
            var type = try args.string(1)
            if type == "adopt" { type = "adopted" }  // the name before SPEC 3's
            let valid = ["start", "exit", "stop", "stop_step", "spawn_failed", "fatal", "adopted", "ready", "unhealthy", "healthy",
                         "command_failed", "output", "*"]
            guard valid.contains(type) else {
                throw args.error(1, "unknown event type '\(type)' (expected \(valid.joined(separator: ", ")))")
            }
            let fn = try args.function(2)
            self.nextHandle += 1
            self.globalHooks.append((self.nextHandle, type, fn))
            return [.integer(Int64(self.nextHandle))]
        }
        def("off") { [unowned self] args in
            let id = try args.integer(1)
            let before = self.globalHooks.count
            self.globalHooks.removeAll { $0.id == Int(id) }
            return [.boolean(self.globalHooks.count < before)]
        }
        def("timer") { [unowned self] args in
            let kind = try args.string(1)
            let field = FieldReader(label: "ppm.\(kind)")
            guard let seconds = try field.duration(args[2], "seconds") else { throw field.error("'seconds' is missing") }
            guard kind == "after" || seconds > 0 else { throw field.error("'seconds' must be more than 0, got \(seconds)") }
            let fn = try args.function(3)
            self.nextHandle += 1
            let id = self.nextHandle
            if let scheduler = self.scheduler {
                self.arm(id, kind: kind, seconds: seconds, fn: fn, scheduler: scheduler)
            } else {
                self.timers[id] = TimerToken()  // armed by `attach`, counting from daemon start
                self.unarmed.append((id, kind, seconds, fn))
            }
            return [.integer(Int64(id))]
        }
        def("cancel_timer") { [unowned self] args in
            let id = Int(try args.integer(1))
            self.timers.removeValue(forKey: id)?.cancel()
            return []
        }
        def("spawn") { [unowned self] args in
            let field = FieldReader(label: "ppm.spawn")
            let cmd = try field.command(args[1])
            let opts = try args.optionalTable(2) ?? LuaTable()
            let env = try field.stringMap(opts["env"], "env") ?? [:]
            let dir = try field.string(opts["dir"], "dir")
            let input = try field.string(opts["stdin"], "stdin")
            let onExit = try field.function(opts["on_exit"], "on_exit")
            let timeout = try field.duration(opts["timeout"], "timeout")
            if let timeout, timeout <= 0 { throw args.error(2, "'timeout' must be more than 0 seconds") }
            self.whenRunning {
                self.daemon.spawn(cmd, env, dir, input, timeout, onExit != nil) { [weak self] helper in
                    guard let self, !self.isRetired else { return }  // a reload replaced this state
                    guard let onExit else {
                        if let failure = helper.error { self.daemon.log("warn", "ppm.spawn \(cmd[0]): \(failure)") }
                        return
                    }
                    let time = self.scheduler?.wallNow ?? 0
                    var ev = LuaTable()
                    ev["type"] = .string(helper.error == nil ? "exit" : "spawn_failed")
                    ev["cmd"] = .table(LuaTable(array: cmd.map { .string($0) }))
                    if let pid = helper.pid { ev["pid"] = .integer(Int64(pid)) }
                    if let r = helper.status?.result { ev["result"] = .integer(Int64(r)) }
                    if let s = helper.status?.signal {
                        ev["signal"] = .integer(Int64(s))
                        ev["signame"] = .string(Signals.name(s))
                    }
                    ev["runtime"] = .number(helper.runtime)
                    ev["time"] = .number(time)
                    ev["utc"] = .string(ServiceEvent.utc(time))
                    ev["stdout"] = .string(helper.stdout)
                    ev["stderr"] = .string(helper.stderr)
                    if helper.timedOut { ev["timed_out"] = .boolean(true) }
                    if let failure = helper.error { ev["error"] = .string(failure) }
                    var errors: [String] = []
                    _ = self.callHook(onExit, [.table(ev)], label: "ppm.spawn on_exit", errors: &errors)
                    errors.forEach { self.recordHookError($0) }
                }
            }
            return []
        }
        def("stats") { [unowned self] args in
            let name = try args.string(1)
            guard try self.requireSupervisor("stats").snapshot(name) != nil else { throw LuaHostError("unknown service '\(name)'") }
            return [self.daemon.stats(name).map(LuaValue.init(json:)) ?? .nil]
        }
        def("events") { [unowned self] args in
            let n = args[1] == .nil ? 20 : Int(try args.integer(1))
            let entries = self.loop?.journal.last(n) ?? []
            return [.table(LuaTable(array: entries.map { LuaValue(json: $0.json) }))]
        }
        def("log") { [unowned self] args in
            self.daemon.log(try args.string(1), try args.string(2))
            return []
        }
        def("settings") { [unowned self] args in
            try self.applySettings(try args.table(1))
            return []
        }
        def("shutdown") { [unowned self] _ in
            self.whenRunning { self.daemon.shutdown() }
            return []
        }
        def("reload") { [unowned self] _ in
            self.whenRunning { self.daemon.reload() }
            return []
        }

        installUDP(into: &host)
        installProbes(into: &host)
        installMetrics(into: &host)
        let make = try lua.load(preludeSource, chunkName: "=ppm")
        try lua.call(make, [
            .table(host), .string(context.version), context.configPath.map { .string($0) } ?? .nil, .string(context.home),
        ])
        try installCompleter()
    }

    /// Reads a `ppm.service` table; a policy given to `ppm.first_start`
    /// brings its first-start function along.
    func readSpec(_ table: LuaTable) throws -> (ServiceSpec, ServiceScripts) {
        let (spec, read) = try reader.read(table)
        var scripts = read
        if let policy = scripts.policy {
            scripts.firstStart = firstStarts.first { $0.policy.isSameObject(as: policy) }?.delay
        }
        return (spec, scripts)
    }

    func arm(_ id: Int, kind: String, seconds: Double, fn: LuaRef, scheduler: Scheduler) {
        timers[id] = scheduler.schedule(after: seconds) { [weak self] in
            guard let self, self.timers[id] != nil else { return }
            if kind == "every" { self.arm(id, kind: kind, seconds: seconds, fn: fn, scheduler: scheduler) } else { self.timers[id] = nil }
            if let error = self.startTask(fn, [], label: "ppm.\(kind) timer") { self.recordHookError(error) }
        }
    }

    /// Journals and logs a failed hook outside an event (timers, helpers, output hooks).
    func recordHookError(_ message: String, service: String? = nil) {
        daemon.log("error", "hook_error: \(message)")
        loop?.record(.hookError(message, name: service))
    }

    /// The keys `ppm.settings{}` accepts.
    static let settingKeys = ["backoff", "stop_timeout", "hook_timeout", "decide_timeout", "memory_limit", "log_max_size", "log_keep", "log_timestamps", "watchdog", "listen",
                              "cgroups", "metrics"]

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
            guard m > lua.memoryInUse else { throw LuaHostError("ppm.settings: 'memory_limit' is below what Lua already uses (\(lua.memoryInUse) bytes)") }
            memory = m
        }
        var logs = logPolicy
        logs.maxSize = try field.size(t["log_max_size"], "log_max_size") ?? logs.maxSize
        logs.keep = try field.count(t["log_keep"], "log_keep") ?? logs.keep
        logs.timestamps = try field.bool(t["log_timestamps"], "log_timestamps") ?? logs.timestamps
        let listen = try listenSettings(t["listen"])
        let metricsEndpoint = try metricsSettings(t["metrics"])
        let cgroups = try field.bool(t["cgroups"], "cgroups")
        if cgroups != nil && loop != nil {
            throw LuaHostError("ppm.settings: 'cgroups' is read from the config when the daemon starts; restart the daemon to change it")
        }
        logPolicy = logs
        watchdog = try field.duration(t["watchdog"], "watchdog") ?? watchdog
        loop?.output?.policy = logs
        settings = s
        hookTimeout = timeout
        decideTimeout = deciding
        lua.memoryLimit = memory
        loop?.send(.configure(s))
        if let listen { self.listen = listen }
        if let metricsEndpoint { self.metricsEndpoint = metricsEndpoint }
        if let cgroups { self.cgroups = cgroups }
    }

    /// `listen = {...}`: read from the config only, since the listener
    /// starts with the daemon.
    private func listenSettings(_ value: LuaValue) throws -> ListenSettings? {
        switch value {
        case .nil: return nil
        case .table where loop != nil:
            throw LuaHostError("ppm.settings: 'listen' is read from the config when the daemon starts; restart the daemon to change it")
        case .table(let t): return try ListenSettings(t, folder: reader.baseDirectory ?? ".")
        case let v: throw LuaHostError("ppm.settings: 'listen' must be a table { address = \"HOST:PORT\", token_file = FILE, allow = {...} }, got \(v.typeName)")
        }
    }

    /// Logs a warning; while a REPL or `eval` chunk runs, its client sees it too.
    func warn(_ message: String) {
        daemon.log("warn", message)
        chunkWarnings?.append(message)
    }

    /// The services argument 1 names: a name, `all` or `@group`, as on the CLI.
    func resolve(_ args: LuaArguments, _ call: String) throws -> [String] {
        let supervisor = try requireSupervisor(call)
        let word = try args.string(1)
        guard let names = supervisor.resolve(word) else {
            throw LuaHostError(word.hasPrefix("@") ? "no service in group '\(word.dropFirst())'" : "unknown service '\(word)'")
        }
        return names
    }
}
