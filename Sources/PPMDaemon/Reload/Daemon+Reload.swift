import Dispatch
import Glibc
import LuaKit
import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMScript

/// Reload (SPEC 8): the config runs in a fresh Lua state; if it loads, only
/// the difference with the previous config is applied, else nothing changes.
extension Daemon {
    /// Reloads now (the caller is on the loop, outside any Lua call).
    /// Fails with `FILE:LINE: message` and journals `config_error`.
    @discardableResult
    func reload(trigger: String) -> Result<ConfigChange, ControlFailure> {
        LoopConfinement.check(queue)
        notify.supervisorNotifier?.reloadStarts()
        let fresh: ConfigLoader
        switch loadFresh() {
        case .success(let loaded): fresh = loaded
        case .failure(let failure):
            if let path = options.configPath {
                loop.record(JournalNote("config_error", fields: ["path": .string(path), "error": .string(failure.description)]))
                log("error", "reload (\(trigger)) failed; the current config keeps running: \(failure.description)")
            }
            reloadFailure = (scheduler.wallNow, failure.description)
            notify.supervisorNotifier?.reloadEnded(error: failure.description)
            return .failure(failure)
        }
        reloadFailure = nil
        let plan = plan(for: fresh)
        let change = plan.change
        configured = plan.next
        configOrder = plan.order
        forgetOverriddenScales(fresh.declared)
        noteTemplates(fresh.declared, hookSources: fresh.hookSources, counts: plan.counts)
        swap(to: fresh)
        // Changed specs first: a dependent that no longer requires a removed
        // service is not stopped on its account.
        loop.turn {
            for name in change.changed { loop.send(.replace(configured[name]!.spec)) }
            for name in change.removed { loop.send(.remove(name)) }
            if !change.added.isEmpty { loop.send(.declare(change.added.map { configured[$0]!.spec })) }
        }
        recordConfig(change)
        configWatcher?.watch(Self.withTargets(fresh.configFiles()))
        followDepends()
        log("info", "config reloaded (\(trigger)): \(change.summary)")
        releaseUnusedMemory()
        notify.supervisorNotifier?.reloadEnded(error: nil)
        return .success(change)
    }

    /// `reload --dry-run`: what a reload would apply now, with the fields
    /// that changed for each changed service; nothing is applied, journaled
    /// or watched, and the new Lua state is dropped.
    func reloadPlan() -> Result<ConfigChange, ControlFailure> {
        LoopConfinement.check(queue)
        // The fresh loader never ran anything (no timer armed, no socket
        // bound: that waits for a daemon), so dropping it is all it takes.
        return loadFresh().map { fresh in plan(for: fresh).change }
    }

    /// The config loaded in a fresh Lua state, or its error (`FILE:LINE: message`).
    private func loadFresh() -> Result<ConfigLoader, ControlFailure> {
        guard let path = options.configPath else {
            return .failure(ControlFailure("the daemon runs without a config file: nothing to reload"))
        }
        do {
            let fresh = try ConfigLoader(context: host.context)
            fresh.metrics = MetricRegistry(following: host.metrics)
            try fresh.loadConfig(path: path)
            let services = ServiceInstances.expand(fresh.declared, counts: instanceCounts(for: fresh.declared))
            for spec in services where configured[spec.name] == nil && (supervisor.snapshot(spec.name) != nil || host.isPending(spec.name)) {
                throw LuaHostError("\(path): service '\(spec.name)' already exists as a run-time service (remove it with ppm-lua rm first)")
            }
            return .success(fresh)
        } catch {
            return .failure(ControlFailure((error as? LuaError)?.message ?? (error as? LuaHostError)?.message ?? "\(error)"))
        }
    }

    /// Starts watching the config's files: a save (in place or by rename)
    /// reloads after 200 ms of quiet.
    func watchConfig() {
        guard options.configPath != nil else { return }
        do {
            configWatcher = try FileWatcher(queue: queue, scheduler: scheduler, debounce: 0.2) { [unowned self] _ in
                if !quitting { reload(trigger: "config saved") }
            }
            configWatcher?.watch(Self.withTargets(host.configFiles()))
        } catch {
            log("warn", "the config is not watched (\(error)); use ppm-lua reload after a change")
        }
    }

    /// The files, and the files their symlinks point to (a config linked
    /// from elsewhere reloads when its target is saved).
    static func withTargets(_ files: [String]) -> Set<String> {
        var result = Set(files)
        for file in files {
            guard let resolved = realpath(file, nil) else { continue }
            result.insert(String(cString: resolved))
            free(resolved)
        }
        return result
    }

    /// Starts following the `depends` of the services.
    func watchDepends() {
        do {
            dependsWatcher = try DependsWatcher(queue: queue, scheduler: scheduler) { [unowned self] name in
                guard !quitting, supervisor.snapshot(name)?.state.hasProcess == true else { return }
                log("info", "'\(name)': a file it depends on changed; restarting it")
                loop.send(.restart(name, cause: "depends"))
            }
            followDepends()
        } catch {
            log("warn", "depends files are not watched (\(error))")
        }
    }

    /// Makes the depends watcher follow the services the supervisor has now.
    func followDepends() {
        dependsWatcher?.update(supervisor.list().map(\.spec))
    }

    /// Journals a `config` event (at start and after each reload).
    func recordConfig(_ change: ConfigChange) {
        guard case .object(var fields) = change.json else { return }
        fields["path"] = .init(options.configPath)
        loop.record(JournalNote("config", fields: fields))
    }

    /// Compares the new config's services to the current ones. Changed: any
    /// field of the spec, or the source text of one of its Lua functions.
    /// Templates (`instances`) count as their copies: a changed count adds
    /// or removes only the difference; a changed field changes every copy.
    private func plan(for fresh: ConfigLoader) -> (change: ConfigChange, next: [String: ConfiguredService], order: [String], counts: [String: Int]) {
        var change = ConfigChange()
        var next: [String: ConfiguredService] = [:]
        let counts = instanceCounts(for: fresh.declared)
        let services = configuredServices(fresh.declared, hookSources: fresh.hookSources, counts: counts)
        for entry in services {
            let spec = entry.spec
            next[spec.name] = entry
            // A config service removed with `rm` comes back, as supervisord's `update` brings it.
            guard let old = configured[spec.name], supervisor.snapshot(spec.name) != nil else {
                change.added.append(spec.name)
                continue
            }
            let fields = ReloadReasons.changedFields(old: old.spec, oldHooks: old.hookSources, new: spec, newHooks: entry.hookSources)
            if !fields.isEmpty {
                change.changed.append(spec.name)
                change.reasons[spec.name] = fields
            }
        }
        change.removed = configOrder.filter { next[$0] == nil }
        return (change, next, services.map(\.spec.name), counts)
    }

    /// Installs the new Lua state: hooks, output hooks, settings, timers and
    /// eval now use it; the old host is closed. Lua functions the old state
    /// held for run-time services are dropped (as after a daemon restart).
    private func swap(to fresh: ConfigLoader) {
        let old = host
        remote.noteChange(fresh.listen)
        noteMetricsChange(fresh)
        cgroups.noteChange(asked: fresh.cgroups)
        for name in old.scriptedServices where configured[name] == nil && supervisor.snapshot(name) != nil {
            log(
                "warn",
                "service '\(name)': its Lua functions belonged to the replaced Lua state; "
                    + "it keeps running with its data fields and the default policy")
        }
        old.close()
        let next = HookHost(fresh)
        next.daemon = daemonHooks()
        host = next
        output.hooks = next
        interrupter.set(next.lua.interrupter)
        next.attach(loop, scheduler: scheduler, addDeclared: false)
        refreshForwarding()
    }
}
