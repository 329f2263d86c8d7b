import LuaKit
import PPMMachine
import PPMRuntime

/// The hooks of each event (`SupervisorHooks`): the service's own
/// (`on_start`, `on_exit`, its restart policy, `on_ready`, `on_health`), then
/// the global ones (`ppm.on`); and the first-start delays of `ppm.first_start`.
extension HookHost {
    /// Runs the hooks that listen to `event`; with `decide`, the answer of
    /// `on_exit` or the restart policy (`on_health` for `unhealthy`) is the decision.
    public func handle(_ event: ServiceEvent, decide: Bool) -> HookResult {
        let scripts = state.scripts[event.name] ?? ServiceScripts()
        let own = switch event.kind {
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
            hookCalls += 1
            hookSeconds += SystemClock.monotonic() - began
        }
        let ev = LuaValue.table(event.luaTable)
        var result = HookResult()
        switch event.kind {
        case .start:
            if let f = scripts.onStart, let error = startTask(f, [ev], label: "on_start of '\(event.name)'", service: event.name) {
                result.errors.append(error)
            }
        case .exit where decide:
            if let f = scripts.onExit {
                let answer = callHook(f, [ev], label: "on_exit of '\(event.name)'", errors: &result.errors)
                result.decision = decision(answer, from: "on_exit of '\(event.name)'", errors: &result.errors)
            }
            if result.decision == nil, let f = scripts.policy, let service = supervisor?.snapshot(event.name) {
                let svc = LuaValue.table(state.snapshotTable(service))
                let answer = callHook(f, [ev, svc], label: "restart policy of '\(event.name)'", errors: &result.errors)
                result.decision = decision(answer, from: "restart policy of '\(event.name)'", errors: &result.errors)
            }
        case .ready:
            if let f = scripts.onReady {
                _ = callHook(f, [ev], label: "on_ready of '\(event.name)'", errors: &result.errors)
            }
        case .healthy, .unhealthy:
            if let f = scripts.onHealth {
                let answer = callHook(f, [ev], label: "on_health of '\(event.name)'", errors: &result.errors)
                if event.kind == .unhealthy {
                    result.decision = decision(answer, from: "on_health of '\(event.name)'", errors: &result.errors)
                }
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

    /// What a deciding hook's answer means; an invalid one is an error line and no decision.
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

    /// Seconds before the first start of a service whose policy was given
    /// to `ppm.first_start` (nil: it starts as any other). Runs Lua: call
    /// it outside a Lua call.
    public func firstStartDelay(of name: String) -> Double? {
        guard let fn = state.scripts[name]?.firstStart else { return nil }
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
