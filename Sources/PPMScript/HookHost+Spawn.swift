import LuaKit
import PPMMachine

/// `ppm.spawn`: a helper command the daemon runs unsupervised; its
/// `on_exit` function gets the result as an event table.
extension HookHost {
    /// Runs `cmd` through the daemon; once it has exited, calls `onExit`
    /// (if any) with its event table, or logs why it could not start.
    func spawnHelper(_ cmd: [String], env: [String: String], dir: String?, stdin: String?, timeout: Double?, onExit: LuaRef?) {
        state.daemon.spawn(cmd, env, dir, stdin, timeout, onExit != nil) { [weak self] helper in
            guard let self, !self.isClosed else { return }  // a reload replaced this state
            guard let onExit else {
                if let failure = helper.error { self.state.daemon.log("warn", "ppm.spawn \(cmd[0]): \(failure)") }
                return
            }
            let time = self.scheduler?.wallNow ?? 0
            var ev = LuaTable()
            ev["type"] = .string(helper.error == nil ? "exit" : "spawn_failed")
            ev["cmd"] = .table(LuaTable(array: cmd.map { .string($0) }))
            if let pid = helper.pid { ev["pid"] = .integer(Int64(pid)) }
            if let r = helper.status?.result { ev["result"] = .integer(Int64(r)) }
            if let s = helper.status?.signal {
                ev["signal"] = .integer(Int64(s))
                ev["signame"] = .string(Signals.name(s))
            }
            ev["runtime"] = .number(helper.runtime)
            ev["time"] = .number(time)
            ev["utc"] = .string(ServiceEvent.utc(time))
            ev["stdout"] = .string(helper.stdout)
            ev["stderr"] = .string(helper.stderr)
            if helper.timedOut { ev["timed_out"] = .boolean(true) }
            if let failure = helper.error { ev["error"] = .string(failure) }
            var errors: [String] = []
            _ = self.callHook(onExit, [.table(ev)], label: "ppm.spawn on_exit", errors: &errors)
            errors.forEach { self.recordHookError($0) }
        }
    }
}
