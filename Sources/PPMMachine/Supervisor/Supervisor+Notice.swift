/// What a service says of itself over sd_notify besides readiness and the
/// watchdog (SPEC 9, "sd_notify"): `RELOADING=1`, `STOPPING=1`, `ERRNO=`
/// and `MAINPID=`. Each applies to the run whose main process was `pid`
/// when the message came; a message about an earlier run changes nothing.
extension Supervisor {
    func noticed(_ name: String, pid: Int32, _ notice: ServiceNotice) {
        guard let service = table[name] else { return }
        switch service.phase {
        case .starting(var run) where run.pid == pid:
            guard note(notice, in: &run, of: service, running: false) else { return }
            service.phase = .starting(run)
        case .running(var run) where run.pid == pid:
            guard note(notice, in: &run, of: service, running: true) else { return }
            service.phase = .running(run)
        case .stopping(var run, let then) where run.pid == pid:
            guard note(notice, in: &run, of: service, running: false) else { return }
            service.phase = .stopping(run, then: then)
        default:
            return  // no process, or one that has been replaced
        }
        tuneHealthChecks(service)  // checks name the run's main process (`MAINPID=`)
        persistKept(service)
    }

    /// Records what the next daemon keeps of the current run (after a kill):
    /// the state log writes it only when it changed.
    func persistKept(_ service: Service) {
        guard let run = service.phase.run else { return }
        var ready = true
        if case .starting = service.phase { ready = false }
        effects.append(.persist(.kept(service.spec.name, KeptRun(run, ready: ready, now: now.monotonic).persisted)))
    }

    /// Records `notice` in `run`; false when it changes nothing.
    private func note(_ notice: ServiceNotice, in run: inout Phase.Run, of service: Service, running: Bool) -> Bool {
        switch notice {
        case .reloading:
            // A reload of a service that is up: until its next READY=1.
            guard running, !run.reloading else { return false }
            run.reloading = true
        case .stopping:
            guard !run.stoppingNoticed else { return false }
            run.stoppingNoticed = true
        case .errno(let number):
            guard run.errno != number else { return false }
            run.errno = number
        case .status(let text):
            let kept = text.isEmpty ? nil : String(text.prefix(KeptRun.maxText))
            guard run.statusText != kept else { return false }
            run.statusText = kept
        case .mainPID(let main, let group):
            // Only a process of the run's own group (systemd takes any
            // process of the unit's cgroup; a group is what every service has).
            guard group == run.pgid, main != run.pid, main > 0 else { return false }
            moveMain(of: service, from: run, to: main)
            run.pid = main
        case .watchdogInterval(let seconds):
            run.watchdogInterval = seconds
            // Armed now while it runs; once ready otherwise (`startHealthChecks`).
            if running {
                run.watchdogDue = now.monotonic + seconds
                arm(service, .watchdog, after: seconds)
            }
        }
        return true
    }

    /// The run's exit is now the end of `main`, not of its first process:
    /// the indexes follow, the state file records it, and its end is
    /// watched (it may not be a child of the daemon).
    private func moveMain(of service: Service, from run: Phase.Run, to main: Int32) {
        if table.byPid[run.pid] === service { table.byPid[run.pid] = nil }
        table.byPid[main] = service
        if main == run.pgid {
            if table.movedGroups[run.pgid] === service { table.movedGroups[run.pgid] = nil }
        } else {
            table.movedGroups[run.pgid] = service
        }
        effects.append(.persist(.running(service.spec.name, pid: main)))
        effects.append(.watchProcess(pid: main))
    }

    /// `READY=1` from a run that is up: a reload it announced is over.
    func reloaded(_ name: String, pid: Int32) {
        guard let service = table[name], case .running(var run) = service.phase, run.pid == pid, run.reloading else { return }
        run.reloading = false
        service.phase = .running(run)
        persistKept(service)
    }
}
