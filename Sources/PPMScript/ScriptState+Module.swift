import LuaKit
import PPMMachine

/// The `ppm` module's functions (SPEC 5.5): each checks its arguments at
/// once; control calls become inputs of the daemon's loop. Before the
/// daemon runs (the config loading), `ppm.service` declares, timers wait
/// for `attach`, and control calls are refused; after, the attached
/// `HookHost` carries them out.
extension ScriptState {
    func installModule() throws {
        var functions = LuaTable()
        func def(_ name: String, _ body: @escaping LuaHostFunction) { functions[name] = lua.function(name, body) }

        def("service") { [unowned self] args in
            let table = try args.table(1)
            if let host = self.attached {
                try host.addLive(table)
            } else {
                let (spec, scripts) = try self.readSpec(table)
                // By name in `declaredAt` (kept with `declared`): a scan of `declared`
                // per service made a config of 10,000 services 50 million comparisons.
                guard self.declaredAt[spec.name] == nil else {
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
        functions["options"] = lua.function("ppm.options") { args in
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
            names.forEach { self.recordOffline("start", $0, after.map { ["{ after = \(LuaLiteral.number($0)) }"] } ?? []) }
            for name in names { self.send(.start(name, after: after, cause: self.callerCause)) }
            return []
        }
        def("stop") { [unowned self] args in
            for name in try self.resolve(args, "stop") {
                self.recordOffline("stop", name)
                self.send(.stop(name, cause: self.callerCause))
            }
            return []
        }
        def("restart") { [unowned self] args in
            for name in try self.resolve(args, "restart") {
                self.recordOffline("restart", name)
                self.send(.restart(name, cause: self.callerCause))
            }
            return []
        }
        def("remove") { [unowned self] args in
            let names = try self.resolve(args, "remove")
            names.forEach { self.recordOffline("remove", $0) }
            guard let loop = self.attached?.loop else { return [] }
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
            if names.allSatisfy({ self.recordOffline("signal", $0, [LuaLiteral.string(Signals.name(sig))]) }) { return [.boolean(true)] }
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
            let valid = [
                "start", "exit", "stop", "stop_step", "spawn_failed", "fatal", "adopted", "ready", "unhealthy", "healthy",
                "command_failed", "output", "*",
            ]
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
            if let host = self.attached, let scheduler = host.scheduler {
                host.arm(id, kind: kind, seconds: seconds, fn: fn, scheduler: scheduler)
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
            if self.recordOffline("spawn", cmd.joined(separator: " ")) { return [] }
            self.whenRunning { host in host.spawnHelper(cmd, env: env, dir: dir, stdin: input, timeout: timeout, onExit: onExit) }
            return []
        }
        def("stats") { [unowned self] args in
            let name = try args.string(1)
            guard try self.requireSupervisor("stats").snapshot(name) != nil else { throw LuaHostError("unknown service '\(name)'") }
            return [self.daemon.stats(name).map(LuaValue.init(json:)) ?? .nil]
        }
        def("events") { [unowned self] args in
            let n = args[1] == .nil ? 20 : Int(try args.integer(1))
            let entries = self.attached?.loop?.journal.last(n) ?? []
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
            if self.recordOffline("shutdown", "") { return [] }
            self.whenRunning { host in host.state.daemon.shutdown() }
            return []
        }
        def("reload") { [unowned self] _ in
            if self.recordOffline("reload", "") { return [] }
            self.whenRunning { host in host.state.daemon.reload() }
            return []
        }

        installUDP(into: &functions)
        installProbes(into: &functions)
        installMetrics(into: &functions)
        let make = try lua.load(preludeSource, chunkName: "=ppm")
        try lua.call(
            make,
            [
                .table(functions), .string(context.version), context.configPath.map { .string($0) } ?? .nil, .string(context.home),
            ])
        try installCompleter()
    }
}
