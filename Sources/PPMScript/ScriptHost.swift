import FoundationEssentials
import Glibc
import LuaKit
import PPMCore

/// What the daemon lends the `ppm` module beyond the supervisor.
public struct DaemonHooks {
    public var log: (_ level: String, _ message: String) -> Void = { _, _ in }
    public var shutdown: () -> Void = {}
    /// Asks the daemon to reload the config once the running Lua returns.
    public var reload: () -> Void = {}
    /// Runs a helper command unsupervised (ended after `timeout` seconds if
    /// given); calls back once it has exited. `onExit`: whether Lua waits
    /// for its end (an `on_exit` function), which a re-exec would lose.
    public var spawn: (_ cmd: [String], _ env: [String: String], _ dir: String?, _ stdin: String?, _ timeout: Double?,
                       _ onExit: Bool, _ done: @escaping (HelperResult) -> Void) -> Void = { _, _, _, _, _, _, done in
        done(HelperResult(error: "ppm.spawn is not available here"))
    }
    public var stats: (_ name: String) -> JSONValue? = { _ in nil }
    /// Calls `readable` on the loop whenever `fd` has data; the returned
    /// closure stops watching and closes `fd`.
    public var watchReadable: (_ fd: Int32, _ readable: @escaping () -> Void) -> () -> Void = { fd, _ in { close(fd) } }
    /// Starts a probe on the loop: `done` runs once, in a later turn, with
    /// its result, unless the handle is cancelled first (nil: no daemon,
    /// `ppm.probe.*` answer that they cannot run).
    public var probe: ((_ request: ProbeRequest, _ timeout: Double, _ done: @escaping (ProbeResult) -> Void) -> ProbeHandle)?
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
    public internal(set) var declared: [ServiceSpec] = []
    /// Where each declared service's `ppm.service` call is (`FILE:LINE`).
    var declaredAt: [String: String] = [:]
    /// The source text of each declared service's Lua functions (read when
    /// the config loaded): a reload compares them to tell a changed hook.
    public internal(set) var hookSources: [String: [String]] = [:]
    /// Set once a reload replaced this state: its timers, hooks and helper
    /// callbacks no longer run.
    public internal(set) var isRetired = false
    public internal(set) var settings = SupervisorSettings()
    /// How long one hook may run (`hook_timeout`).
    public internal(set) var hookTimeout: Double = 1
    /// How long a deciding hook (`on_exit`, a restart policy, `on_health`)
    /// may wait in `ppm.sleep` and `ppm.probe.*` in all (`decide_timeout`).
    public internal(set) var decideTimeout: Double = 30
    /// The watchdog's hard limit for one loop turn or Lua call (`watchdog`; 0: 10 s a turn, ten times a call's budget, at least 10 s).
    public internal(set) var watchdog: Double = 0
    /// How captured output is kept (`log_max_size`, `log_keep`, `log_timestamps`).
    public internal(set) var logPolicy = LogPolicy.standard
    /// Whether `user`/`group` are refused when the process is not root
    /// (`ppm-lua import` checks a config meant for another machine).
    public var checksPrivileges: Bool {
        get { reader.checksPrivileges }
        set { reader.checksPrivileges = newValue }
    }
    /// The TCP listener the config asked for (`ppm.settings { listen = ... }`).
    public internal(set) var listen: ListenSettings?
    /// The metrics endpoint the config asked for (`ppm.settings { metrics = ... }`).
    public internal(set) var metricsEndpoint: MetricsSettings?
    /// `ppm.metric` families and the hook histogram; a reload's state follows the current one's.
    public var metrics = MetricRegistry()
    /// Whether services get a cgroup each where the daemon may make them
    /// (`ppm.settings { cgroups = false }` turns it off); read at daemon start.
    public internal(set) var cgroups = true

    /// Events that ran Lua hooks, and the seconds spent building their
    /// tables and running them (`status` reports both).
    public private(set) var hookCalls = 0
    public private(set) var hookSeconds = 0.0

    var scripts: [String: ServiceScripts] = [:]
    /// `string.find(line, pattern) ~= nil`, loaded once (`ready = {log = …}`).
    var readyLineMatcher: LuaRef?
    var globalHooks: [(id: Int, type: String, fn: LuaRef)] = []
    var nextHandle = 0
    var timers: [Int: TimerToken] = [:]
    var afterAttach: [() -> Void] = []
    var unarmed: [(id: Int, kind: String, seconds: Double, fn: LuaRef)] = []
    var udpListeners: [Int: UDPListener] = [:]
    /// Hook, timer and probe functions suspended in `ppm.sleep` or `ppm.probe.*`.
    var suspendedTasks: [ObjectIdentifier: LuaTask] = [:]
    /// The task whose coroutine runs now, if any.
    var runningTask: LuaTask?
    /// One sending socket per address family, made at the first send.
    var udpSenders: [Int32: Int32] = [:]
    /// Policies whose services start later than boot (`ppm.first_start`).
    var firstStarts: [(policy: LuaRef, delay: LuaRef)] = []
    /// The daemon's loop, once attached: control calls from Lua become its inputs.
    public internal(set) weak var loop: SupervisorLoop?
    var supervisor: Supervisor? { loop?.supervisor }
    var scheduler: Scheduler?
    var reader: SpecReader
    /// The warnings of the `eval` chunk running now (nil outside one).
    var chunkWarnings: [String]?
    private var inspector: LuaRef?
    /// The function answering REPL completion (`complete`).
    var completer: LuaRef?

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

    /// The folder holding `path` ("." for a bare name).
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    // MARK: Config

    /// Runs the config chunk. Errors read `FILE:LINE: message`.
    public func loadConfig(path: String) throws {
        let bytes: [UInt8]
        switch FileContents.bytes(path) {
        case .success(let b): bytes = b
        case .failure(let f): throw LuaError.syntax("\(path): cannot read the config: \(f.description)")
        }
        try loadConfig(source: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Runs config text as the file `path` would run (`ppm-lua import` checks
    /// what it wrote this way). Errors read `PATH:LINE: message`.
    public func loadConfig(source: String, path: String) throws {
        do {
            try runLua { _ = try lua.run(source, chunkName: path, budget: 10) }
        } catch let e as LuaError {
            throw ConfigErrors.locate(e, path: path, source: source, fault: lua.lastFaultPosition)
        }
        for spec in declared {
            for r in spec.requires where !declared.contains(where: { $0.name == r }) {
                throw LuaError.syntax("\(declaredAt[spec.name] ?? path): service '\(spec.name)' requires unknown service '\(ConfigErrors.clip(r))'")
            }
        }
        if let cycle = RequiresCycle.find(in: declared) { throw LuaError.syntax("\(path): \(cycle)") }
        var files: [String: [Substring]] = [:]
        for spec in declared {
            let s = scripts[spec.name] ?? ServiceScripts()
            hookSources[spec.name] = [s.onStart, s.onExit, s.policy, s.onOutput].map { f in
                f.map { lua.sourceText(of: $0, files: &files) } ?? ""
            }
        }
    }

    /// Hands the declared services to the loop's supervisor; from now on
    /// `ppm.service` adds services live.
    /// `addDeclared` false: a reload, where the daemon sends the difference.
    public func attach(_ loop: SupervisorLoop, scheduler: Scheduler, addDeclared: Bool = true) {
        self.loop = loop
        self.scheduler = scheduler
        loop.send(.configure(settings))
        loop.hooks = self
        loop.output?.policy = logPolicy
        if addDeclared {
            for spec in declared { loop.send(.add(spec)) }
            for spec in declared { scheduleFirstStart(spec) }
        }
        declared = []
        for t in unarmed where timers[t.id] != nil { arm(t.id, kind: t.kind, seconds: t.seconds, fn: t.fn, scheduler: scheduler) }
        unarmed = []
        let actions = afterAttach
        afterAttach = []
        actions.forEach { $0() }
    }

    // MARK: Running Lua

    /// Runs `body` as one Lua entry, inside a turn of the loop: the control
    /// calls it makes (`ppm.start`…) are inputs that run once it returns.
    func runLua<T>(_ body: () throws -> T) rethrows -> T {
        guard let loop else { return try body() }
        return try loop.turn(body)
    }

    /// Sends an input to the loop (queued while Lua runs).
    func send(_ input: SupervisorInput) { loop?.send(input) }

    /// Runs `action` once the daemon runs (at once if it does): what the
    /// config asks of the daemon while it loads (`ppm.spawn`, `ppm.shutdown`).
    /// `check` never attaches, so it never runs them.
    func whenRunning(_ action: @escaping () -> Void) {
        if loop != nil { action() } else { afterAttach.append(action) }
    }

    /// Calls a hook under the hook budget; a failure becomes an error line
    /// with its traceback (journaled and logged by the caller).
    func callHook(_ fn: LuaRef, _ args: [LuaValue], label: String, errors: inout [String]) -> LuaValue {
        do {
            return try runLua { try lua.call(fn, args, budget: hookTimeout) }.first ?? .nil
        } catch let e as LuaError {
            errors.append("\(label): \(describe(e))")
        } catch {
            errors.append("\(label): \(error)")
        }
        return .nil
    }

    /// The error with the line where a timeout or the memory cap stopped the hook.
    func describe(_ e: LuaError) -> String {
        let position = lua.lastFaultPosition.map { "\($0): " } ?? ""
        switch e {
        case .timeout:
            return position + "ran past hook_timeout (\(LuaError.formatSeconds(hookTimeout)))" + (e.traceback.map { "\n" + $0 } ?? "")
        case .memoryLimit: return position + "exceeded memory_limit (\(LuaError.formatBytes(lua.memoryLimit)))"
        default: return e.fullText
        }
    }

    // MARK: Hooks

    public func handle(_ event: ServiceEvent, decide: Bool) -> HookResult {
        let scripts = self.scripts[event.name] ?? ServiceScripts()
        let own = switch event.kind {
        case .start: scripts.onStart != nil
        case .ready: scripts.onReady != nil
        case .healthy, .unhealthy: scripts.onHealth != nil
        default: decide
        }
        guard own || globalHooks.contains(where: { $0.type == event.kind.rawValue || $0.type == "*" }) else {
            return HookResult()  // nobody listens: no table is built
        }
        let began = SystemClock.monotonic()
        defer {
            let took = SystemClock.monotonic() - began
            hookCalls += 1
            hookSeconds += took
            try? metrics.hookSeconds.observe(took, at: [])
        }
        let ev = LuaValue.table(event.luaTable)
        var result = HookResult()
        switch event.kind {
        case .start:
            if let f = scripts.onStart, let error = startTask(f, [ev], label: "on_start of '\(event.name)'", service: event.name) {
                result.errors.append(error)
            }
        case .exit where decide:
            let (name, starts) = (event.name, event.starts)
            runDecision(exitSteps(event, ev, scripts), service: name, into: &result) { [weak self] decision in
                self?.send(.decided(name, starts: starts, decision))
            }
        case .ready:
            if let f = scripts.onReady, let error = startTask(f, [ev], label: "on_ready of '\(event.name)'", service: event.name) {
                result.errors.append(error)
            }
        case .unhealthy where decide:
            guard let f = scripts.onHealth else { break }
            let (name, starts) = (event.name, event.starts)
            let step = DecidingStep(fn: f, arguments: { [ev] }, label: "on_health of '\(name)'")
            runDecision([step], service: name, into: &result) { [weak self] decision in
                self?.send(.healthDecided(name, starts: starts, decision))
            }
        case .healthy, .unhealthy:
            if let f = scripts.onHealth, let error = startTask(f, [ev], label: "on_health of '\(event.name)'", service: event.name) {
                result.errors.append(error)
            }
        default:
            break
        }
        for hook in globalHooks where hook.type == event.kind.rawValue || hook.type == "*" {
            if let error = startTask(hook.fn, [ev], label: "ppm.on('\(hook.type)') hook") { result.errors.append(error) }
        }
        for error in result.errors { daemon.log("error", "hook_error: \(error)") }
        return result
    }

    // MARK: The ppm module

    /// Seconds before the first start of a service whose policy was given
    /// to `ppm.first_start` (nil: it starts as any other). Runs Lua: call
    /// it outside a Lua call.
    public func firstStartDelay(of name: String) -> Double? {
        guard let fn = scripts[name]?.firstStart else { return nil }
        var errors: [String] = []
        let answer = callHook(fn, [.string(name)], label: "first start of '\(name)'", errors: &errors)
        errors.forEach { recordHookError($0, service: name) }
        switch answer {
        case .integer(let i) where i >= 0: return Double(i)
        case .number(let d) where d >= 0 && d.isFinite: return d
        case .nil: return nil
        default:
            recordHookError("first start of '\(name)' returned \(answer.typeName), expected seconds or nil", service: name)
            return nil
        }
    }

    /// Forgets the Lua functions of a removed service.
    public func forget(_ name: String) { scripts[name] = nil }

    func snapshotTable(_ s: ServiceSnapshot) -> LuaTable {
        guard case .table(var t) = LuaValue(json: s.json) else { return LuaTable() }
        t["spec"] = LuaValue(json: SpecJSON.encode(s.spec))
        return t
    }

    func requireSupervisor(_ name: String) throws -> Supervisor {
        guard let supervisor else { throw LuaHostError("ppm.\(name) is only available once the daemon runs") }
        return supervisor
    }

}
