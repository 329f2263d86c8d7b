package import LuaKit
package import PPMMachine

/// A run-time service read and checked, its name taken, not added yet:
/// `ppm-lua add` adds it once its record is on disk.
package struct LiveService {
    /// The service as it will run.
    package let spec: ServiceSpec
    /// Whether it is added held (its first start is scheduled by a
    /// `ppm.first_start` policy instead of boot).
    package let held: Bool
    let scripts: ServiceScripts
}

/// Services added while the daemon runs (`ppm.service` from a hook or the
/// REPL, `ppm-lua add`).
extension HookHost {
    /// Adds a service to the running supervisor at once. Lua functions in it
    /// cannot be persisted: that is logged as a warning.
    @discardableResult
    package func addLive(_ table: LuaTable, persist: Bool = true) throws -> ServiceSpec {
        let live = try checkLive(table, persist: persist)
        add(live, persist: persist)
        return live.spec
    }

    /// Reads and checks a run-time service and takes its name (another
    /// `add` or `ppm.service` of that name is refused) until `add` or
    /// `forget`; nothing is added yet.
    package func checkLive(_ table: LuaTable, persist: Bool = true) throws -> LiveService {
        guard let supervisor else { throw LuaHostError("the daemon is not running") }
        let (spec, scripts) = try state.readSpec(table)
        // `scripts` also knows the services added earlier in this chunk, not in the supervisor yet.
        guard supervisor.snapshot(spec.name) == nil, state.scripts[spec.name] == nil else {
            throw LuaHostError("service '\(spec.name)': a service with this name already exists")
        }
        if spec.instances != nil {
            throw LuaHostError("service '\(spec.name)': 'instances' is for services of the config (ppm-lua scale changes their count)")
        }
        for r in spec.requires where supervisor.snapshot(r) == nil {
            throw LuaHostError("service '\(spec.name)': requires unknown service '\(ConfigErrors.clip(r))'")
        }
        if !spec.scriptedFields.isEmpty && persist {
            warn(
                "service '\(spec.name)': \(spec.scriptedFields.joined(separator: ", ")) cannot be persisted; "
                    + "after a daemon restart it comes back with its data fields and the default policy")
        }
        state.scripts[spec.name] = scripts
        return LiveService(spec: spec, held: scripts.firstStart != nil && spec.autostart && !spec.disabled, scripts: scripts)
    }

    /// Adds a service `checkLive` returned (of this Lua state or, after a
    /// reload, of the one before: `ppm-lua add` services hold no Lua function).
    package func add(_ live: LiveService, persist: Bool = true) {
        state.scripts[live.spec.name] = live.scripts
        send(.add(live.spec, held: live.held, persist: persist))
        if live.held { loop?.whenSettled { [weak self] in self?.scheduleFirstStart(live.spec) } }
    }

    /// Starts a service with a scheduled first start at its time (boot then
    /// leaves it alone); without one, boot or `add` starts it as usual.
    func scheduleFirstStart(_ spec: ServiceSpec) {
        guard state.scripts(of: spec.name)?.firstStart != nil, spec.autostart, !spec.disabled else { return }
        send(.start(spec.name, after: firstStartDelay(of: spec.name) ?? 0, scheduled: true))
    }

    /// Whether a `checkLive` took the name and the service is not added yet.
    package func isPending(_ name: String) -> Bool { state.scripts[name] != nil && supervisor?.snapshot(name) == nil }
}
