package import LuaKit
package import PPMMachine
package import PPMRuntime

/// Runs a loaded config's Lua on the daemon's loop: the hooks of each
/// event, `ppm.after`/`ppm.every` timers, readiness and health probes
/// written in Lua, UDP handlers, output hooks, REPL chunks; and the
/// control calls Lua makes (`ppm.start`…), checked at once and carried out
/// right after the running chunk returns, so Lua never re-enters itself.
///
/// Made from a `ConfigLoader` (it takes over the loader's Lua state), then
/// `attach`ed to the loop. `close()` lets go of everything the state holds
/// in the daemon when a reload replaces it. Confined to the daemon's loop.
package final class HookHost: SupervisorHooks {
    let state: ScriptState

    /// The daemon's loop, once attached: control calls from Lua become its inputs.
    package internal(set) weak var loop: SupervisorLoop?
    var scheduler: Scheduler?
    var supervisor: Supervisor? { loop?.supervisor }
    /// Set by `close()`: timers, hooks and helper callbacks no longer run.
    package private(set) var isClosed = false

    /// Events that ran Lua hooks, and the seconds spent building their
    /// tables and running them (`status` reports both).
    package internal(set) var hookCalls = 0
    package internal(set) var hookSeconds = 0.0

    /// `string.find(line, pattern) ~= nil`, loaded once (`ready = {log = …}`).
    var readyLineMatcher: LuaRef?
    /// Hook, timer and probe functions suspended in `ppm.sleep` or `ppm.probe.*`.
    var suspendedTasks: [ObjectIdentifier: LuaTask] = [:]
    /// The task whose coroutine runs now, if any.
    var runningTask: LuaTask?
    /// One sending socket per address family, made at the first send.
    var udpSenders: [Int32: Int32] = [:]
    /// The warnings of the `eval` chunk running now (nil outside one).
    var chunkWarnings: [String]?
    /// The function that runs a chunk and prints its results, loaded at the first `eval`.
    var inspector: LuaRef?

    /// Takes over the Lua state `config` loaded.
    package init(_ config: ConfigLoader) {
        state = config.state
    }

    /// The Lua state.
    package var lua: LuaState { state.lua }
    /// The facts the `ppm` module exposes.
    package var context: ScriptContext { state.context }
    /// What the daemon lends the `ppm` module (logging, `ppm.spawn`, probes).
    package var daemon: DaemonHooks {
        get { state.daemon }
        set { state.daemon = newValue }
    }
    /// How long one hook may run (`hook_timeout`).
    package var hookTimeout: Double { state.hookTimeout }
    /// The watchdog's hard limit for one loop turn or Lua call (`watchdog`).
    package var watchdog: Double { state.watchdog }
    /// How captured output is kept now (`ppm.settings` may change it at run time).
    package var logPolicy: LogPolicy { state.logPolicy }
    /// The TCP listener the config asked for, read when the daemon starts.
    package var listen: ListenSettings? { state.listen }
    /// The metrics endpoint the config asked for, read when the daemon starts.
    package var metricsEndpoint: MetricsSettings? { state.metricsEndpoint }
    /// Where captured lines go besides the files (`ppm.settings { forward = ... }`; nil: not set).
    package var forward: ForwardMode? { state.forward }
    /// `ppm.metric` families and the hook histogram (`/metrics` writes them).
    package var metrics: MetricRegistry { state.metrics }
    /// Whether services get a cgroup each, read when the daemon starts.
    package var cgroups: Bool { state.cgroups }
    /// The files the config was read from (what a reload re-reads).
    package func configFiles() -> [String] { state.configFiles() }
    /// Names of the services whose Lua functions this state holds.
    package var scriptedServices: [String] { state.scripts.filter { $0.value.hasFunctions }.map(\.key) }

    // MARK: Attaching and closing

    /// Hands the declared services to the loop's supervisor, arms the
    /// config's timers and does what it asked of the daemon; from now on
    /// `ppm.service` adds services live.
    /// `addDeclared` false: a reload, where the daemon sends the difference.
    /// `counts`: the copies each `instances` template runs (a persisted
    /// `scale`), else the config's count.
    package func attach(_ loop: SupervisorLoop, scheduler: Scheduler, addDeclared: Bool = true, counts: [String: Int] = [:]) {
        self.loop = loop
        self.scheduler = scheduler
        state.attached = self
        loop.send(.configure(state.settings))
        loop.hooks = self
        loop.output?.policy = state.logPolicy
        if addDeclared {
            let services = ServiceInstances.expand(state.declared, counts: counts)
            for spec in services { loop.send(.add(spec)) }
            for spec in services { scheduleFirstStart(spec) }
        }
        state.declared = []
        for t in state.unarmed where state.timers[t.id] != nil { arm(t.id, kind: t.kind, seconds: t.seconds, fn: t.fn, scheduler: scheduler) }
        state.unarmed = []
        let actions = state.afterAttach
        state.afterAttach = []
        actions.forEach { $0(self) }
    }

    /// Ends this state's part in the daemon after a reload replaced it:
    /// everything it holds is let go at once — timers cancelled, UDP
    /// sockets closed, hooks and probes waiting in `ppm.sleep` or
    /// `ppm.probe.*` abandoned, global and service hooks dropped, and
    /// callbacks of its `ppm.spawn` helpers ignored when they come. A
    /// reload that fails never calls it: the old state stays.
    package func close() {
        isClosed = true
        for timer in state.timers.values { timer.cancel() }
        state.timers = [:]
        closeSockets()
        abandonTasks()
        state.unarmed = []
        state.afterAttach = []
        state.globalHooks = []
        state.scripts = [:]
        loop = nil
        state.attached = nil
        state.daemon = DaemonHooks()
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

    /// Journals and logs a failed hook outside an event (timers, helpers, output hooks).
    func recordHookError(_ message: String, service: String? = nil) {
        state.daemon.log("error", "hook_error: \(message)")
        loop?.record(.hookError(message, name: service))
    }

    /// Logs a warning; while a REPL or `eval` chunk runs, its client sees it too.
    func warn(_ message: String) {
        state.daemon.log("warn", message)
        chunkWarnings?.append(message)
    }

    /// Arms a `ppm.after` (once) or `ppm.every` (again after each run) timer.
    func arm(_ id: Int, kind: String, seconds: Double, fn: LuaRef, scheduler: Scheduler) {
        state.timers[id] = scheduler.schedule(after: seconds) { [weak self] in
            guard let self, self.state.timers[id] != nil else { return }
            if kind == "every" { self.arm(id, kind: kind, seconds: seconds, fn: fn, scheduler: scheduler) } else { self.state.timers[id] = nil }
            if let error = self.startTask(fn, [], label: "ppm.\(kind) timer") { self.recordHookError(error) }
        }
    }

    /// Forgets the Lua functions of a removed service.
    package func forget(_ name: String) { state.scripts[name] = nil }
}
