import LuaKit
import PPMCore

/// Output hooks: `on_output = function(line, stream, svc)` per service and
/// `ppm.on("output", fn)`, called for each captured line under the hook
/// budget. The capture asks first, so with no output hook no line becomes
/// a Lua value (or even a String).
extension ScriptHost: OutputHooks {
    public func listensToOutput(of name: String) -> Bool {
        scripts[name]?.onOutput != nil || globalHooks.contains { $0.type == "output" }
    }

    public func output(_ name: String, _ stream: OutputKind, _ lines: [String]) {
        let own = scripts[name]?.onOutput
        let global = globalHooks.filter { $0.type == "output" }
        guard own != nil || !global.isEmpty else { return }
        let svc = supervisor?.snapshot(name).map { LuaValue.table(snapshotTable($0)) } ?? .nil
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
}
