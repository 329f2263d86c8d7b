/// Adoption: a daemon that was killed outright leaves its services running;
/// the next one takes each over (the daemon checked pid and start time)
/// instead of starting a second copy.
extension Supervisor {
    func adopt(_ name: String, _ process: AdoptedProcess) {
        guard let service = table[name], !service.isActive, !isShuttingDown else { return }
        let pid = process.pid
        var run = Phase.Run(pid: pid, pgid: process.pgid, startedAt: now.monotonic - max(0, process.age))
        process.kept?.restore(into: &run)
        // A run that was not ready yet waits on for its readiness, with what is left of its timeout.
        let waits = process.kept?.ready == false && service.spec.ready.waits
        service.phase = waits ? .starting(run) : .running(run)
        service.starts = max(service.starts, 1)
        table.byPid[pid] = service
        if process.pgid != pid { table.movedGroups[process.pgid] = service }  // a main process set by MAINPID=
        effects.append(.persist(.running(name, pid: pid)))
        // Not a child of this daemon: its end is seen through a pidfd, without a status.
        if !process.child { effects.append(.watchProcess(pid: pid)) }
        emit(.adopted, service, pid: pid)
        if let stop = process.kept?.stop, let then = stop.afterStop { return continueStop(service, run, stop, then: then) }
        if let bounce = service.spec.bounce, bounce > 0 { arm(service, .bounce, after: bounce) }
        persistKept(service)
        if waits {
            awaitReadiness(service, run, within: process.kept?.readyIn ?? service.spec.readyTimeout)
        } else {
            startHealthChecks(service, watchdogIn: process.kept?.watchdogIn, adopted: process.kept?.health != nil)
        }
    }

    /// A stop the image before a re-exec had under way goes on where it
    /// was: the same step of the stop ladder, with what was left of its wait
    /// (nothing is armed once SIGKILL was sent: the exit is awaited).
    private func continueStop(_ service: Service, _ run: Phase.Run, _ stop: KeptStop, then: Phase.AfterStop) {
        service.phase = .stopping(run, then: then)
        let steps = service.spec.stopSteps(defaultTimeout: settings.stopTimeout)
        let step = min(stop.step, steps.count)
        service.stopStep = step
        service.stopBegan = now.monotonic - stop.elapsed
        guard step < steps.count else { return }
        let due = steps[0...step].reduce(0) { $0 + ($1.wait ?? settings.stopTimeout) }
        arm(service, .kill, after: max(0, due - stop.elapsed))
    }

    /// Takes back what a re-executed daemon knew of a service. A service that
    /// had finished, crashed, gone fatal or been stopped stays so at boot; one
    /// waiting for a delayed start starts when it was due (boot leaves it);
    /// one waiting for the services it requires is started by boot.
    func resume(_ name: String, _ r: ResumedService) {
        guard let service = table[name], !service.isActive else { return }
        service.starts = r.starts
        service.restarts = r.restarts
        service.crashes = r.crashes
        service.lastExit = r.lastExit
        service.held = r.held
        switch r.state {
        case .finished: service.phase = .down(.finished)
        case .crashed: service.phase = .down(.crashed)
        case .fatal: service.phase = .down(.fatal)
        case .stopped: service.phase = .down(.stopped)
        case .disabled: service.phase = .disabled
        case .waiting where r.startsIn != nil: delayStart(service, after: r.startsIn!)
        case .created, .waiting, .starting, .running, .paused, .stopping, .reloading: break
        }
    }
}
