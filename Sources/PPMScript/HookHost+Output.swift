import LuaKit
package import PPMMachine
import PPMRuntime

/// Output hooks: `on_output = function(line, stream, svc)` per service and
/// `ppm.on("output", fn)`, called for each captured line under the hook
/// budget. The capture asks first, so with no output hook no line becomes
/// a Lua value (or even a String).
extension HookHost: OutputHooks {
    /// Whether a captured line of `name` is of interest: an output hook or a `ready = {log = …}` pattern.
    package func listensToOutput(of name: String) -> Bool {
        state.scripts(of: name)?.onOutput != nil || state.globalHooks.contains { $0.type == "output" } || supervisor?.readyPattern(of: name) != nil
    }

    /// Runs the output hooks over a batch of captured lines (and matches the readiness pattern).
    package func output(_ name: String, _ stream: OutputKind, _ lines: [String]) {
        if let (pattern, pid) = supervisor?.readyPattern(of: name) { matchReadyLine(name, pid: pid, pattern, lines) }
        let own = state.scripts(of: name)?.onOutput
        let global = state.globalHooks.filter { $0.type == "output" }
        guard own != nil || !global.isEmpty else { return }
        let svc = supervisor?.snapshot(name).map { LuaValue.table(state.snapshotTable($0)) } ?? .nil
        let kind = LuaValue.string(stream.rawValue)
        var errors: [String] = []
        for line in lines {
            let args: [LuaValue] = [.string(line), kind, svc]
            if let own { _ = callHook(own, args, label: "on_output of '\(name)'", errors: &errors) }
            for hook in global { _ = callHook(hook.fn, args, label: "ppm.on('output') hook", errors: &errors) }
        }
        guard let first = errors.first else { return }
        // A hook failing on every line must not flood the journal: one record per batch.
        let more = errors.count > 1 ? " (and \(errors.count - 1) more errors for this batch of lines)" : ""
        recordHookError(first + more, service: name)
    }

    /// `ready = {log = PATTERN}`: the first captured line the Lua pattern
    /// finds makes the starting run ready.
    private func matchReadyLine(_ name: String, pid: Int32, _ pattern: String, _ lines: [String]) {
        var errors: [String] = []
        if readyLineMatcher == nil {
            readyLineMatcher = try? lua.load("local line, pattern = ... return string.find(line, pattern) ~= nil", chunkName: "=ready.log")
        }
        guard let matcher = readyLineMatcher else { return }
        for line in lines
        where callHook(matcher, [.string(line), .string(pattern)], label: "ready.log of '\(name)'", errors: &errors) == .boolean(true) {
            loop?.send(.ready(name, pid: pid))
            break
        }
        if let first = errors.first { recordHookError(first, service: name) }
    }
}
