import Foundation
import LuaKit
import PPMCore

/// What the daemon lends the `ppm` module beyond the supervisor.
public struct DaemonHooks {
    public var log: (_ level: String, _ message: String) -> Void = { _, _ in }
    public var shutdown: () -> Void = {}
    public var reload: () -> String? = { "reload is not supported yet" }
    /// Runs a helper command unsupervised; calls back with its status and stdout.
    public var spawn: (_ cmd: [String], _ env: [String: String], _ dir: String?, _ stdin: String?,
                       _ done: @escaping (ExitStatus?, String, String?) -> Void) -> Void = { _, _, _, _, done in
        done(nil, "", "ppm.spawn is not available here")
    }
    public var stats: (_ name: String) -> JSONValue? = { _ in nil }
    public init() {}
}

/// The one Lua state of the daemon and the `ppm` module inside it: loads the
/// config into specs, then answers the supervisor's hook calls.
///
/// Confined to the daemon's loop. Control calls made from Lua (`ppm.start`…)
/// are checked at once and carried out right after the running chunk
/// returns, so Lua never re-enters itself.
public final class ScriptHost: SupervisorHooks {
    /// Facts the `ppm` module exposes.
    public struct Context: Sendable {
        public var version: String
        public var configPath: String?
        public var home: String
        /// Folders `require` searches after the config's own folder.
        public var pluginFolders: [String]
        public init(version: String, configPath: String?, home: String, pluginFolders: [String]) {
            self.version = version
            self.configPath = configPath
            self.home = home
            self.pluginFolders = pluginFolders
        }
    }

    public let lua: LuaState
    public let context: Context
    public var daemon = DaemonHooks()
    /// Services the config declared, in order, before `attach`.
    public private(set) var declared: [ServiceSpec] = []
    public private(set) var settings = SupervisorSettings()
    /// How long one hook may run (`hook_timeout`).
    public private(set) var hookTimeout: Double = 1
    public private(set) var logMaxSize: Int?
    public private(set) var logKeep: Int?

    private var scripts: [String: ServiceScripts] = [:]
    private var globalHooks: [(id: Int, type: String, fn: LuaRef)] = []
    private var nextHandle = 0
    private var timers: [Int: TimerToken] = [:]
    private var afterAttach: [() -> Void] = []
    private var unarmed: [(id: Int, kind: String, seconds: Double, fn: LuaRef)] = []
    private weak var supervisor: Supervisor?
    private var scheduler: Scheduler?
    private var luaDepth = 0
    private var pending: [() -> Void] = []
    private var reader: SpecReader
    private var inspector: LuaRef?

    /// The function that runs a chunk and prints its results.
    func printer() throws -> LuaRef {
        if let inspector { return inspector }
        let made = try lua.call(try lua.load(inspectSource, chunkName: "=inspect"))
        guard case .function(let f)? = made.first else { throw LuaError.conversion("inspect did not load") }
        inspector = f
        return f
    }

    public init(context: Context) throws {
        self.context = context
        lua = try LuaState(memoryLimit: 64 << 20)
        var folders: [String] = []
        if let config = context.configPath { folders.append(Self.folder(of: config)) }
        folders += context.pluginFolders
        reader = SpecReader(baseDirectory: context.configPath.map(Self.folder(of:)))
        lua.requirePath = folders
        try lua.hardenForDaemon(DaemonAlternatives(exit: "ppm.shutdown()", run: "ppm.spawn(cmd, {on_exit = fn})"))
        try installModule()
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    // MARK: Config

    /// Runs the config chunk. Errors read `FILE:LINE: message`.
    public func loadConfig(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw LuaError.syntax("\(path): \(reason)")
        }
        let bytes = [UInt8](data)
        try runLua { _ = try lua.run(String(decoding: bytes, as: UTF8.self), chunkName: path, budget: 10) }
        for spec in declared {
            for r in spec.requires where !declared.contains(where: { $0.name == r }) {
                throw LuaError.syntax("\(path): service '\(spec.name)' requires unknown service '\(r)'")
            }
        }
    }

    /// Hands the declared services to the supervisor; from now on
    /// `ppm.service` adds services live.
    public func attach(_ supervisor: Supervisor, scheduler: Scheduler) throws {
        self.supervisor = supervisor
        self.scheduler = scheduler
        supervisor.settings = settings
        supervisor.hooks = self
        for spec in declared { try supervisor.add(spec) }
        declared = []
        for t in unarmed where timers[t.id] != nil { arm(t.id, kind: t.kind, seconds: t.seconds, fn: t.fn, scheduler: scheduler) }
        unarmed = []
        let actions = afterAttach
        afterAttach = []
        actions.forEach { $0() }
    }

    // MARK: Running Lua

    /// Runs `body` as one Lua entry; control calls it made run afterwards.
    func runLua<T>(_ body: () throws -> T) rethrows -> T {
        luaDepth += 1
        defer {
            luaDepth -= 1
            if luaDepth == 0 { drainPending() }
        }
        return try body()
    }

    private func drainPending() {
        while !pending.isEmpty { pending.removeFirst()() }
    }

    private func later(_ action: @escaping () -> Void) {
        if luaDepth > 0 { pending.append(action) } else { action() }
    }

    /// Runs `action` once the daemon runs (at once if it does): what the
    /// config asks of the daemon while it loads (`ppm.spawn`, `ppm.shutdown`).
    /// `check` never attaches, so it never runs them.
    private func whenRunning(_ action: @escaping () -> Void) {
        if supervisor != nil { later(action) } else { afterAttach.append(action) }
    }

    /// Calls a hook under the hook budget; a failure becomes an error line.
    private func callHook(_ fn: LuaRef, _ args: [LuaValue], label: String, errors: inout [String]) -> LuaValue {
        do {
            return try runLua { try lua.call(fn, args, budget: hookTimeout) }.first ?? .nil
        } catch let e as LuaError {
            errors.append("\(label): \(describe(e))")
        } catch {
            errors.append("\(label): \(error)")
        }
        return .nil
    }

    private func describe(_ e: LuaError) -> String {
        switch e {
        case .timeout: return "ran past hook_timeout (\(hookTimeout) s)" + (e.traceback.map { "\n" + $0 } ?? "")
        case .memoryLimit: return "exceeded memory_limit (\(lua.memoryLimit) bytes)"
        default: return e.fullText
        }
    }

    // MARK: Hooks

    public func handle(_ event: ServiceEvent, service: ServiceSnapshot) -> HookResult {
        let scripts = self.scripts[event.name] ?? ServiceScripts()
        let ev = LuaValue.table(event.luaTable)
        var result = HookResult()
        switch event.kind {
        case .start:
            if let f = scripts.onStart {
                _ = callHook(f, [ev], label: "on_start of '\(event.name)'", errors: &result.errors)
            }
        case .exit:
            if let f = scripts.onExit {
                let answer = callHook(f, [ev], label: "on_exit of '\(event.name)'", errors: &result.errors)
                result.decision = decision(answer, from: "on_exit of '\(event.name)'", errors: &result.errors)
            }
            if result.decision == nil, let f = scripts.policy {
                let svc = LuaValue.table(snapshotTable(service))
                let answer = callHook(f, [ev, svc], label: "restart policy of '\(event.name)'", errors: &result.errors)
                result.decision = decision(answer, from: "restart policy of '\(event.name)'", errors: &result.errors)
            }
        default:
            break
        }
        for hook in globalHooks where hook.type == event.kind.rawValue || hook.type == "*" {
            _ = callHook(hook.fn, [ev], label: "ppm.on('\(hook.type)') hook", errors: &result.errors)
        }
        return result
    }

    private func decision(_ v: LuaValue, from label: String, errors: inout [String]) -> Decision? {
        switch v {
        case .nil: return nil
        case .string("restart"): return .restart(after: 0)
        case .string("stop"): return .stop
        case .string("fatal"): return .fatal
        case .table(let t) where t["action"] == .string("restart"):
            switch t["after"] {
            case .nil: return .restart(after: 0)
            case .integer(let i) where i >= 0: return .restart(after: Double(i))
            case .number(let d) where d >= 0 && d.isFinite: return .restart(after: d)
            case .string(let s) where Durations.seconds(s) != nil: return .restart(after: Durations.seconds(s))
            default: break
            }
        case .table(let t) where t["action"] == .string("stop"): return .stop
        case .table(let t) where t["action"] == .string("fatal"): return .fatal
        default: break
        }
        errors.append("\(label) returned an invalid action (expected nil, \"restart\", \"stop\", \"fatal\" or {action = \"restart\", after = seconds})")
        return nil
    }

    // MARK: The ppm module

    /// Adds a service to the running supervisor (`ppm.service` from a hook or
    /// the REPL, `ppm-lua add`). Lua functions in it cannot be persisted:
    /// that is logged as a warning.
    @discardableResult
    public func addLive(_ table: LuaTable) throws -> ServiceSpec {
        guard let supervisor else { throw LuaHostError("the daemon is not running") }
        let (spec, scripts) = try reader.read(table)
        guard supervisor.snapshot(spec.name) == nil else {
            throw LuaHostError("service '\(spec.name)': a service with this name already exists")
        }
        for r in spec.requires where supervisor.snapshot(r) == nil {
            throw LuaHostError("service '\(spec.name)': requires unknown service '\(r)'")
        }
        if !spec.scriptedFields.isEmpty {
            daemon.log("warn", "service '\(spec.name)': \(spec.scriptedFields.joined(separator: ", ")) cannot be persisted; "
                + "after a daemon restart it comes back with its data fields and the default policy")
        }
        self.scripts[spec.name] = scripts
        later { try? supervisor.add(spec) }
        return spec
    }

    /// Forgets the Lua functions of a removed service.
    public func forget(_ name: String) { scripts[name] = nil }

    private func snapshotTable(_ s: ServiceSnapshot) -> LuaTable {
        guard case .table(var t) = LuaValue(json: s.json) else { return LuaTable() }
        t["spec"] = LuaValue(json: SpecJSON.encode(s.spec))
        return t
    }

    private func requireSupervisor(_ name: String) throws -> Supervisor {
        guard let supervisor else { throw LuaHostError("ppm.\(name) is only available once the daemon runs") }
        return supervisor
    }

    private func known(_ args: LuaArguments, _ call: String) throws -> (Supervisor, String) {
        let supervisor = try requireSupervisor(call)
        let name = try args.string(1)
        guard supervisor.snapshot(name) != nil else { throw LuaHostError("unknown service '\(name)'") }
        return (supervisor, name)
    }

    private func installModule() throws {
        var host = LuaTable()
        func def(_ name: String, _ body: @escaping LuaHostFunction) { host[name] = lua.function(name, body) }

        def("service") { [unowned self] args in
            let table = try args.table(1)
            if self.supervisor != nil {
                try self.addLive(table)
            } else {
                let (spec, scripts) = try self.reader.read(table)
                guard !self.declared.contains(where: { $0.name == spec.name }) else {
                    throw LuaHostError("service '\(spec.name)': duplicate name (already declared above)")
                }
                self.declared.append(spec)
                self.scripts[spec.name] = scripts
            }
            return []
        }
        def("get") { [unowned self] args in
            let name = try args.string(1)
            guard let s = self.supervisor?.snapshot(name) else { return [.nil] }
            return [.table(self.snapshotTable(s))]
        }
        def("list") { [unowned self] _ in
            [.table(LuaTable(array: (self.supervisor?.list() ?? []).map { .table(self.snapshotTable($0)) }))]
        }
        def("start") { [unowned self] args in
            let (supervisor, name) = try self.known(args, "start")
            var after: Double?
            if let opts = try args.optionalTable(2) {
                after = try FieldReader(service: name).duration(opts["after"], "after")
            }
            self.later { try? supervisor.start(name, after: after) }
            return []
        }
        def("stop") { [unowned self] args in
            let (supervisor, name) = try self.known(args, "stop")
            self.later { try? supervisor.stop(name) }
            return []
        }
        def("restart") { [unowned self] args in
            let (supervisor, name) = try self.known(args, "restart")
            self.later { try? supervisor.restart(name) }
            return []
        }
        def("remove") { [unowned self] args in
            let (supervisor, name) = try self.known(args, "remove")
            self.later { try? supervisor.remove(name) { self.scripts[name] = nil } }
            return []
        }
        def("signal") { [unowned self] args in
            let (supervisor, name) = try self.known(args, "signal")
            let sig: Int32
            switch args[2] {
            case .string(let s):
                guard let n = Signals.number(s) else { throw args.error(2, "unknown signal \"\(s)\"") }
                sig = n
            case .integer(let i) where i > 0 && i < 65: sig = Int32(i)
            default: throw args.error(2, "signal name or number expected, got \(args[2].typeName)")
            }
            do { try supervisor.signal(name, sig) } catch { throw LuaHostError("\(error)") }
            return [.boolean(true)]
        }
        def("on") { [unowned self] args in
            let type = try args.string(1)
            let valid = ["start", "exit", "stop", "spawn_failed", "fatal", "*"]
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
            guard let seconds = try FieldReader(service: "timer").duration(args[2], "seconds"),
                  kind == "after" || seconds > 0 else { throw args.error(2, "positive duration expected") }
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
            let cmd: [String]
            do { cmd = try FieldReader(service: "spawn").command(args[1]) } catch let e as LuaHostError {
                throw args.error(1, e.message.replacingAll("service 'spawn': ", with: ""))
            }
            let opts = try args.optionalTable(2) ?? LuaTable()
            let field = FieldReader(service: "spawn")
            let env = try field.stringMap(opts["env"], "env") ?? [:]
            let dir = try field.string(opts["dir"], "dir")
            let input = try field.string(opts["stdin"], "stdin")
            let onExit = try field.function(opts["on_exit"], "on_exit")
            self.whenRunning {
                self.daemon.spawn(cmd, env, dir, input) { status, output, failure in
                    guard let onExit else {
                        if let failure { self.daemon.log("warn", "ppm.spawn \(cmd[0]): \(failure)") }
                        return
                    }
                    var ev = LuaTable()
                    ev["type"] = .string(failure == nil ? "exit" : "spawn_failed")
                    ev["cmd"] = .table(LuaTable(array: cmd.map { .string($0) }))
                    if let r = status?.result { ev["result"] = .integer(Int64(r)) }
                    if let s = status?.signal {
                        ev["signal"] = .integer(Int64(s))
                        ev["signame"] = .string(Signals.name(s))
                    }
                    ev["stdout"] = .string(output)
                    if let failure { ev["error"] = .string(failure) }
                    var errors: [String] = []
                    _ = self.callHook(onExit, [.table(ev)], label: "ppm.spawn on_exit", errors: &errors)
                    errors.forEach { self.supervisor?.journal.record("hook_error", name: nil, time: self.scheduler?.now ?? 0, fields: ["error": .string($0)]) }
                }
            }
            return []
        }
        def("stats") { [unowned self] args in
            let (_, name) = try self.known(args, "stats")
            return [self.daemon.stats(name).map(LuaValue.init(json:)) ?? .nil]
        }
        def("events") { [unowned self] args in
            let n = args[1] == .nil ? 20 : Int(try args.integer(1))
            let entries = self.supervisor?.journal.last(n) ?? []
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
            if let error = self.daemon.reload() { throw LuaHostError(error) }
            return []
        }

        let make = try lua.load(preludeSource, chunkName: "=ppm")
        try lua.call(make, [
            .table(host), .string(context.version), context.configPath.map { .string($0) } ?? .nil, .string(context.home),
        ])
    }

    private func arm(_ id: Int, kind: String, seconds: Double, fn: LuaRef, scheduler: Scheduler) {
        timers[id] = scheduler.schedule(after: seconds) { [weak self] in
            guard let self, self.timers[id] != nil else { return }
            if kind == "every" { self.arm(id, kind: kind, seconds: seconds, fn: fn, scheduler: scheduler) } else { self.timers[id] = nil }
            var errors: [String] = []
            _ = self.callHook(fn, [], label: "ppm.\(kind) timer", errors: &errors)
            errors.forEach { self.supervisor?.journal.record("hook_error", name: nil, time: scheduler.now, fields: ["error": .string($0)]) }
        }
    }

    private func applySettings(_ t: LuaTable) throws {
        let known = ["backoff", "stop_timeout", "hook_timeout", "memory_limit", "log_max_size", "log_keep"]
        let field = FieldReader(service: "settings")
        for key in t.entries.keys {
            let k = key.stringValue ?? key.typeName
            guard known.contains(k) else {
                let hint = Suggest.hint(k, in: known)
                throw LuaHostError("ppm.settings: unknown setting '\(k)'\(hint)")
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
        var memory = lua.memoryLimit
        if let m = try field.integer(t["memory_limit"], "memory_limit") {
            guard m >= 1 << 20 else { throw LuaHostError("ppm.settings: 'memory_limit' must be at least 1 MiB (bytes)") }
            guard m > lua.memoryInUse else { throw LuaHostError("ppm.settings: 'memory_limit' is below what Lua already uses (\(lua.memoryInUse) bytes)") }
            memory = m
        }
        logMaxSize = try field.integer(t["log_max_size"], "log_max_size") ?? logMaxSize
        logKeep = try field.integer(t["log_keep"], "log_keep") ?? logKeep
        settings = s
        hookTimeout = timeout
        lua.memoryLimit = memory
        supervisor?.settings = s
    }
}
