import Glibc
import LuaKit
import PPMMachine

/// The one Lua state of a config and what its `ppm` module registered in
/// it: the services' Lua functions, global hooks, timers, UDP listeners and
/// settings. Two types share it, one after the other:
/// - `ConfigLoader` runs the config (no loop: `check`, `import`, `test`,
///   and the fresh state of a reload); what the config asks of a running
///   daemon (timers, `ppm.spawn`, UDP listeners) waits in `unarmed` and
///   `afterAttach`.
/// - `HookHost` takes it over and, once attached to the daemon's loop, runs
///   its hooks, timers, probes and UDP handlers until `close()`.
///
/// The `ppm` functions (`ScriptState+Module.swift`) are made once, with the
/// state; each does what it can before the daemon runs and hands the rest
/// to the attached host. Confined to the daemon's loop.
final class ScriptState {
    let lua: LuaState
    let context: ScriptContext
    /// What the daemon lends the module; nothing until the daemon sets it.
    var daemon = DaemonHooks()
    /// Set by `ppm-lua test`: with no daemon, control calls are recorded here
    /// instead of failing.
    var offline: OfflineCalls?
    /// `ppm.metric` families and the hook histogram; a reload's state follows the current one's.
    var metrics = MetricRegistry()
    var reader: SpecReader

    // MARK: What the config and hooks registered

    /// The Lua functions of each service (hooks, policy, probes).
    var scripts: [String: ServiceScripts] = [:]

    /// The Lua functions of a service; a copy of an `instances` template
    /// (`web@2`) has its template's.
    func scripts(of name: String) -> ServiceScripts? {
        scripts[name] ?? ServiceInstances.split(name).flatMap { scripts[$0.template] }
    }
    var globalHooks: [(id: Int, type: String, fn: LuaRef)] = []
    var nextHandle = 0
    /// `ppm.after`/`ppm.every` timers by handle (placeholders until attached).
    var timers: [Int: TimerToken] = [:]
    /// `ppm.udp.listen` sockets by handle (fd -1 until the daemon runs).
    var udpListeners: [Int: UDPListener] = [:]
    /// Policies whose services start later than boot (`ppm.first_start`).
    var firstStarts: [(policy: LuaRef, delay: LuaRef)] = []
    /// The function answering REPL completion, made over the `ppm` table as
    /// the prelude left it.
    var completer: LuaRef?

    // MARK: ppm.settings

    var settings = SupervisorSettings()
    /// How long one hook may run (`hook_timeout`).
    var hookTimeout: Double = 1
    /// How long a deciding hook (`on_exit`, a restart policy, `on_health`)
    /// may wait in `ppm.sleep` and `ppm.probe.*` in all (`decide_timeout`).
    var decideTimeout: Double = 30
    /// The watchdog's hard limit for one loop turn or Lua call (`watchdog`).
    var watchdog: Double = 0
    /// How captured output is kept (`log_max_size`, `log_keep`, `log_timestamps`).
    var logPolicy = LogPolicy.standard
    /// The TCP listener the config asked for (`listen = {...}`).
    var listen: ListenSettings?
    /// The metrics endpoint the config asked for (`metrics = {...}`).
    var metricsEndpoint: MetricsSettings?
    /// Where captured lines go besides the files (`forward`; nil: not set).
    var forward: ForwardMode?
    /// Whether services get a cgroup each (`cgroups = false` turns it off).
    var cgroups = true

    // MARK: Before the daemon runs

    /// Services the config declared, in order.
    var declared: [ServiceSpec] = []
    /// Where each declared service's `ppm.service` call is (`FILE:LINE`).
    var declaredAt: [String: String] = [:]
    /// Timers the config made, armed by `attach` (counting from daemon start).
    var unarmed: [(id: Int, kind: String, seconds: Double, fn: LuaRef)] = []
    /// What the config asked of the daemon (`ppm.spawn`, `ppm.shutdown`,
    /// `ppm.udp.listen`), done by `attach`.
    var afterAttach: [(HookHost) -> Void] = []

    /// The host running this state's hooks on the daemon's loop; nil before
    /// `attach` and after `close`.
    weak var attached: HookHost?

    init(context: ScriptContext) throws {
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
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// The running supervisor, once attached.
    var supervisor: Supervisor? { attached?.supervisor }

    /// Sends an input to the loop (queued while Lua runs); nothing before `attach`.
    func send(_ input: SupervisorInput) { attached?.send(input) }

    /// Runs `action` with the host once the daemon runs (at once if it
    /// does): what the config asks of the daemon while it loads. `check`
    /// never attaches, so it never runs them.
    func whenRunning(_ action: @escaping (HookHost) -> Void) {
        if let attached { action(attached) } else { afterAttach.append(action) }
    }

    func requireSupervisor(_ name: String) throws -> Supervisor {
        guard let supervisor else { throw LuaHostError("ppm.\(name) is only available once the daemon runs") }
        return supervisor
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

    /// A service snapshot as the Lua table hooks get (`svc`, `ppm.get`).
    func snapshotTable(_ s: ServiceSnapshot) -> LuaTable {
        guard case .table(var t) = LuaValue(json: s.json) else { return LuaTable() }
        t["spec"] = LuaValue(json: SpecJSON.encode(s.spec))
        return t
    }

    /// The files the config was read from: the config itself and the
    /// modules it `require`d from its own folder (what a reload re-reads).
    func configFiles() -> [String] {
        guard let config = context.configPath else { return [] }
        let folder = Self.folder(of: config)
        let listing = "local names = {} for k in pairs(package.loaded) do names[#names + 1] = k end return names"
        guard case .table(let t)? = try? lua.run(listing, chunkName: "=files").first else { return [config] }
        var files = [config]
        for case .string(let module) in t.sequence {
            let base = folder + "/" + module.replacingAll(".", with: "/")
            for candidate in [base + ".lua", base + "/init.lua"] where access(candidate, F_OK) == 0 {
                files.append(candidate)
            }
        }
        return files
    }
}

/// One `ppm.udp.listen` socket; `stop` cancels its watch and closes it.
struct UDPListener {
    var fd: Int32
    var stop: (() -> Void)?
}
