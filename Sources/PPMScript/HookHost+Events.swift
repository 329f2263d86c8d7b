import LuaKit
package import PPMMachine
import PPMRuntime
import SystemCalls

/// The hooks of each event (`SupervisorHooks`): the service's own
/// (`on_start`, `on_exit` and its restart policy, deciding as in
/// `HookHost+Decisions.swift`, `on_ready`, `on_health`), then the global ones
/// (`ppm.on`); and the first-start delays of `ppm.first_start`.
extension HookHost {
    /// Runs the hooks that listen to `event`; with `decide`, the answer of
    /// `on_exit` or the restart policy (`on_health` for `unhealthy`) is the
    /// decision, now or (`pending`) later as an input.
    package func handle(_ event: ServiceEvent, decide: Bool) -> HookResult {
        let scripts = state.scripts(of: event.name) ?? ServiceScripts()
        let own =
            switch event.kind {
            case .start: scripts.onStart != nil
            case .ready: scripts.onReady != nil
            case .healthy, .unhealthy: scripts.onHealth != nil
            default: decide
            }
        guard own || state.globalHooks.contains(where: { $0.type == event.kind.rawValue || $0.type == "*" }) else {
            return HookResult()  // nobody listens: no table is built
        }
        let began = SystemClock.monotonic()
        defer {
            let took = SystemClock.monotonic() - began
            hookCalls += 1
            hookSeconds += took
            try? state.metrics.hookSeconds.observe(took, at: [])
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
        for hook in state.globalHooks where hook.type == event.kind.rawValue || hook.type == "*" {
            if let error = startTask(hook.fn, [ev], label: "ppm.on('\(hook.type)') hook") { result.errors.append(error) }
        }
        for error in result.errors { state.daemon.log("error", "hook_error: \(error)") }
        return result
    }

    /// Seconds before the first start of a service whose policy was given
    /// to `ppm.first_start` (nil: it starts as any other). Runs Lua: call
    /// it outside a Lua call.
    package func firstStartDelay(of name: String) -> Double? {
        guard let fn = state.scripts(of: name)?.firstStart else { return nil }
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
}
