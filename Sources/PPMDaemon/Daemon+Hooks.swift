import Glibc
import PPMRuntime
import PPMScript

/// What the Lua side may ask of the daemon (`ppm.log`, `ppm.shutdown`,
/// `ppm.reload`, `ppm.stats`, `ppm.spawn`, `ppm.probe.*`, `ppm.udp.listen`):
/// given to each Lua state the daemon loads.
extension Daemon {
    /// The hooks of a Lua state of this daemon (the one at start, and each
    /// one a reload makes); also makes the daemon the loop's probe runner.
    func daemonHooks() -> DaemonHooks {
        var hooks = DaemonHooks()
        hooks.log = { [unowned self] level, message in self.log(level, message) }
        hooks.shutdown = { [unowned self] in self.quit {} }
        // After the Lua that asked returns: the reload replaces its state.
        hooks.reload = { [unowned self] in self.queue.turnAsync { if !self.quitting { self.reload(trigger: "ppm.reload()") } } }
        hooks.stats = { [unowned self] name in
            guard let s = self.supervisor.snapshot(name), let group = self.cgroups.statsGroup(s) else { return nil }
            return ProcessStats.usage(group)
        }
        hooks.spawn = { [unowned self] cmd, env, dir, input, timeout, onExit, done in
            self.helpers.spawn(
                cmd: cmd, env: env, dir: dir, stdin: input, timeout: timeout, onExit: onExit,
                killAfter: self.supervisor.settings.stopTimeout, done: done)
        }
        hooks.probe = { [unowned self] request, timeout, done in self.prober.run(request, timeout: timeout, done: done) }
        loop.probeRunner = self
        hooks.watchReadable = { [unowned self] fd, readable in
            // A reload makes its listeners again: no Dispatch source each.
            self.udpSockets.watch(fd) { _ in readable() }
            return { [unowned self] in
                self.udpSockets.forget(fd)
                close(fd)
            }
        }
        return hooks
    }
}
