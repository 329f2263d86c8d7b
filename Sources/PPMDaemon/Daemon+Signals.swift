import Dispatch
import Glibc
import LuaKit
import PPMMachine
import PPMRuntime

/// The daemon's signals and children, and its end: `quit` stops every
/// service and helper, ends what remains and exits.
extension Daemon {
    /// What the signal pipe and the reaper report, carried out on the loop.
    func handleSignal(_ event: SignalLoop.Event) {
        LoopConfinement.check(queue)
        switch event {
        case .exited(let pid, let status, let ended):
            if !helpers.exited(pid: pid, status: status) { loop.send(.exited(pid: pid, status: status, ended: ended)) }
        case .childSignalled(let pid, let code): reaper.childSignalled(pid: pid, code: code)
        case .paused(let pid): loop.send(.paused(pid: pid))
        case .continued(let pid): loop.send(.continued(pid: pid))
        case .terminate(let sig):
            log("info", "SIG\(Signals.name(sig)) received: stopping every service")
            quit {}
        case .reload:
            if !quitting { reload(trigger: "SIGHUP") }
        }
    }

    /// Stops every service and helper, ends the daemon's remaining children
    /// (orphans it adopted), then exits 0 after `done`.
    func quit(_ done: @escaping () -> Void) {
        LoopConfinement.check(queue)
        quitWaiters.append(done)
        if quitWaiters.count > 1 { return }
        notify.supervisorNotifier?.stopping()
        helpers.terminateAll()
        loop.send(
            .shutdown(
                waiter: loop.waiter { [self] in
                    output.keeper = nil
                    output.closeAll()
                    holder?.quit()
                    // Waiting for the children to end is this turn's job: the watchdog lets it.
                    StallGuard.allow(2 * supervisor.settings.stopTimeout + 15)
                    cgroups.removeAll()
                    RemainingChildren.end(grace: supervisor.settings.stopTimeout) { log("info", $0) }
                    quitWaiters.forEach { $0() }
                    store.sync()
                    journal.sync()
                    server?.shutdown()
                    remote.shutdown()
                    metricsServer?.shutdown()
                    if let pidfile = options.pidfile { unlink(pidfile) }
                    log("info", "every service stopped; exiting")
                    exit(0)
                }))
    }
}
