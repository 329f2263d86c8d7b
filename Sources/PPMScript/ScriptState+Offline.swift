import LuaKit

/// Naming services from Lua, and what control calls do with no daemon.
extension ScriptState {
    /// The services argument 1 names: a name, `all` or `@group`, as on the CLI.
    func resolve(_ args: LuaArguments, _ call: String) throws -> [String] {
        let word = try args.string(1)
        let found: [String]?
        if offline != nil && attached == nil {
            found = OfflineCalls.resolve(word, in: declared)
        } else {
            found = try requireSupervisor(call).resolve(word)
        }
        guard let names = found else {
            throw LuaHostError(word.hasPrefix("@") ? "no service in group '\(word.dropFirst())'" : "unknown service '\(word)'")
        }
        return names
    }

    /// Offline (`ppm-lua test`): records a control call instead of acting;
    /// whether it did.
    @discardableResult
    func recordOffline(_ call: String, _ target: String, _ extra: [String] = []) -> Bool {
        guard let offline, attached == nil else { return false }
        offline.record(call, target, extra)
        return true
    }

    /// The `cause` of the stops and starts a `ppm.*` call asks for: `cli`
    /// from `eval` and the REPL, `hook` from hooks, timers and the config.
    var callerCause: String { attached?.chunkWarnings != nil ? "cli" : "hook" }
}
