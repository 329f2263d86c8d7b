package import LuaKit
package import PPMMachine
import PPMRuntime

/// Runs a config in a fresh Lua state, without a loop: what `check`,
/// `import`, `test` and a reload read. The services it declares, the
/// sources of their Lua functions and its settings are then at hand;
/// nothing runs and nothing is opened (timers, `ppm.spawn` and UDP
/// listeners wait for a daemon), so a loader that is dropped leaves
/// nothing behind.
///
/// The daemon hands a loaded config to a `HookHost`, which runs its hooks.
package final class ConfigLoader {
    let state: ScriptState

    /// A fresh Lua state with the `ppm` module.
    package init(context: ScriptContext) throws {
        state = try ScriptState(context: context)
    }

    /// The Lua state (for tools that add functions of their own: `test`, `import`).
    package var lua: LuaState { state.lua }
    /// The facts the `ppm` module exposes.
    package var context: ScriptContext { state.context }

    /// The folder holding `path` ("." for a bare name).
    package static func folder(of path: String) -> String { ScriptState.folder(of: path) }

    // MARK: Loading

    /// Runs the config chunk. Errors read `FILE:LINE: message`.
    package func loadConfig(path: String) throws {
        let bytes: [UInt8]
        switch FileContents.bytes(path) {
        case .success(let b): bytes = b
        case .failure(let f): throw LuaError.syntax("\(path): cannot read the config: \(f.description)")
        }
        try loadConfig(source: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Runs config text as the file `path` would run (`ppm-lua import` checks
    /// what it wrote this way). Errors read `PATH:LINE: message`.
    package func loadConfig(source: String, path: String) throws {
        let lua = state.lua
        do {
            _ = try lua.run(source, chunkName: path, budget: 10)
        } catch let e as LuaError {
            throw ConfigErrors.locate(e, path: path, source: source, fault: lua.lastFaultPosition)
        }
        let declared = state.declared
        for spec in declared {
            for r in spec.requires where !declared.contains(where: { $0.name == r }) {
                throw LuaError.syntax(
                    "\(state.declaredAt[spec.name] ?? path): service '\(spec.name)' requires unknown service '\(ConfigErrors.clip(r))'")
            }
        }
        if let cycle = RequiresCycle.find(in: declared) { throw LuaError.syntax("\(path): \(cycle)") }
        var names = Set(declared.map(\.name))
        for spec in declared where spec.instances != nil {
            for copy in 1...(spec.instances ?? 1) where !names.insert(ServiceInstances.name(spec.name, copy)).inserted {
                throw LuaError.syntax(
                    "\(state.declaredAt[spec.name] ?? path): service '\(spec.name)': its copy '\(ServiceInstances.name(spec.name, copy))' has the name of another service"
                )
            }
        }
        var files: [String: [Substring]] = [:]
        for spec in declared {
            let s = state.scripts[spec.name] ?? ServiceScripts()
            hookSources[spec.name] = [s.onStart, s.onExit, s.policy, s.onOutput].map { f in
                f.map { lua.sourceText(of: $0, files: &files) } ?? ""
            }
        }
    }

    /// Whether `user`/`group` are refused when the process is not root
    /// (`ppm-lua import` checks a config meant for another machine).
    package var checksPrivileges: Bool {
        get { state.reader.checksPrivileges }
        set { state.reader.checksPrivileges = newValue }
    }

    // MARK: What the config declared

    /// Services the config declared, in order.
    package var declared: [ServiceSpec] { state.declared }
    /// The source text of each declared service's Lua functions (read when
    /// the config loaded): a reload compares them to tell a changed hook.
    package private(set) var hookSources: [String: [String]] = [:]
    /// Daemon-wide settings (`ppm.settings`: backoff, stop timeout).
    package var settings: SupervisorSettings { state.settings }
    /// How long one hook may run (`hook_timeout`).
    package var hookTimeout: Double { state.hookTimeout }
    /// The watchdog's hard limit for one loop turn or Lua call (`watchdog`; 0: 10 s a turn, ten times a call's budget, at least 10 s).
    package var watchdog: Double { state.watchdog }
    /// How captured output is kept (`log_max_size`, `log_keep`, `log_timestamps`).
    package var logPolicy: LogPolicy { state.logPolicy }
    /// The TCP listener the config asked for (`ppm.settings { listen = ... }`).
    package var listen: ListenSettings? { state.listen }
    /// The metrics endpoint the config asked for (`ppm.settings { metrics = ... }`).
    package var metricsEndpoint: MetricsSettings? { state.metricsEndpoint }
    /// Where captured lines go besides the files (`ppm.settings { forward = ... }`; nil: not set).
    package var forward: ForwardMode? { state.forward }
    /// `ppm.metric` families and the hook histogram; set it before loading to
    /// follow the values of the state a reload replaces.
    package var metrics: MetricRegistry {
        get { state.metrics }
        set { state.metrics = newValue }
    }
    /// Set by `ppm-lua test`: with no daemon, control calls are recorded here instead of failing.
    package var offline: OfflineCalls? {
        get { state.offline }
        set { state.offline = newValue }
    }
    /// Whether services get a cgroup each where the daemon may make them
    /// (`ppm.settings { cgroups = false }` turns it off); read at daemon start.
    package var cgroups: Bool { state.cgroups }

    /// The files the config was read from: the config itself and the
    /// modules it `require`d from its own folder (what a reload re-reads).
    package func configFiles() -> [String] { state.configFiles() }
}
