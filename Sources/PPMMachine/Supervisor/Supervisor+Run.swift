/// Starting a process and what happens when it dies: the restart path.
/// Nothing here grows with the number of services.
extension Supervisor {
    func delayStart(_ service: Service, after seconds: Double, scheduled: Bool = false) {
        service.phase = .waiting(.timer(due: now.monotonic + max(0, seconds), scheduled: scheduled))
        arm(service, .start, after: seconds)
    }

    func launch(_ service: Service) {
        guard !isShuttingDown, table[service.spec.name] === service, !service.isActive else { return }
        cancelTimer(service, .start)
        // Never next to the remains of the last run: once they are gone
        // (`groupGone`) and its `post_stop` commands have ended.
        if service.leftovers != nil || service.postStop != nil { return service.phase = .waiting(.leftovers) }
        guard service.spec.requires.allSatisfy({ isMet($0, for: service.spec) }) else {
            service.phase = .waiting(.requires)  // started again when they run (see `spawned`)
            return
        }
        let spec = service.spec
        // Streams without a file of their own are captured by the loop into these.
        service.stdoutPath = spec.stdout ?? logDirectory.map { "\($0)/\(spec.name).out.log" }
        service.stderrPath = spec.stderr ?? logDirectory.map { "\($0)/\(spec.name).err.log" }
        service.starts += 1
        if !spec.preStart.isEmpty { return beginPreStart(service) }
        service.phase = .launching(stopThen: nil)
        effects.append(.spawn(spec))
    }

    func spawned(_ name: String, _ result: Result<Int32, SpawnFailure>) {
        guard let service = table[name], case .launching(let stopThen) = service.phase else { return }
        switch result {
        case .success(let pid):
            service.spawnFailures = 0
            service.lastError = nil
            table.byPid[pid] = service
            effects.append(.persist(.running(name, pid: pid)))
            emit(.start, service, pid: pid, cause: service.startCause)
            service.startCause = nil
            afterSpawn(service, Phase.Run(pid: pid, pgid: pid, startedAt: now.monotonic))
            if let bounce = service.spec.bounce, bounce > 0 { arm(service, .bounce, after: bounce) }
            wakeDependents(of: service)
            // A stop asked while it was being spawned.
            if let stopThen { requestStop(service, then: stopThen, waiter: nil) }
        case .failure(let failure):
            service.phase = .down(.crashed)
            spawnFailed(service, failure)
            if let stopThen { requestStop(service, then: stopThen, waiter: nil) }
        }
    }

    /// A start that failed before its process ran (no program, a failing
    /// `pre_start` with the `tail` of its output): retried after the
    /// backoff, given up after `spawnAttempts` in a row.
    func spawnFailed(_ service: Service, _ failure: SpawnFailure, tail: String? = nil) {
        service.spawnFailures += 1
        service.crashes += 1
        service.crashesTotal += 1
        service.lastError = failure.message
        emit(.spawnFailed, service, error: failure.message, extra: tail.map { ["tail": .string($0)] } ?? [:])
        // Out of descriptors: no retry (each would fail alike), one event.
        let exhausted = service.spawnFailures >= settings.spawnAttempts || failure.outOfDescriptors
        if exhausted || service.spec.once || service.spec.restart == .never {
            giveUp(service, as: exhausted ? .fatal : .crashed)
        } else {
            service.restarts += 1
            service.startCause = "policy"
            delayStart(service, after: settings.backoff.delay(service.crashes))
        }
        releaseBoot(service)
    }

    func exited(pid: Int32, status: ExitStatus, ended: Double? = nil) {
        guard let service = table.byPid.removeValue(forKey: pid) else { return }
        var run: Phase.Run
        var stopThen: Phase.AfterStop?
        var error: String?
        switch service.phase {
        case .starting(let r), .running(let r): (run, stopThen) = (r, nil)
        case .stopping(let r, .fail(let why)):
            // Stopped because the start failed: a crash the policy judges.
            (run, stopThen, error) = (r, nil, why)
            cancelTimer(service, .kill)
        case .stopping(let r, let then): (run, stopThen) = (r, then)
        case .created, .disabled, .waiting, .preStarting, .launching, .draining, .deciding, .down:
            return  // only a running process is indexed by pid
        }
        // Noticed late (the daemon was stopped, or re-executed): the run
        // lasted until the process last ran, not until now.
        let end = ended.flatMap { now.monotonic - $0 > Self.lateExit ? $0 : nil } ?? now.monotonic
        let runtime = max(0, end - run.startedAt)
        cancelTimer(service, .bounce)
        cancelTimer(service, .ready)
        cancelTimer(service, .probe)
        cancelTimer(service, .watchdog)
        endHealthChecks(service)
        if run.pid != run.pgid, table.movedGroups[run.pgid] === service { table.movedGroups[run.pgid] = nil }
        service.lastExit = LastExit(
            result: status.result, signal: status.signal, runtime: runtime, time: now.wall, errno: run.errno,
            statusText: run.statusText)
        // What the service said of its failure over sd_notify (`ERRNO=`).
        let said: [String: JSONValue] = run.errno.map { ["errno": .init($0)] } ?? [:]
        let outcome: Outcome
        if stopThen != nil {
            outcome = .stopped
        } else if error != nil {
            outcome = .crashed
        } else if status == .exited(0) || status == .signaled(Signal.term.rawValue) {
            outcome = .finished
        } else {
            outcome = .crashed
        }
        // Only consecutive quick crashes grow the backoff (`crashes` is the
        // exponent); a long run, a clean exit, a stop or a start or restart
        // on request ends the streak.
        if runtime >= settings.backoff.resetAfter { service.crashes = 0 }
        if outcome == .crashed {
            service.crashes += 1
            service.crashesTotal += 1
        } else {
            service.crashes = 0
        }
        let name = service.spec.name
        if let stopThen {
            service.phase = .draining(pgid: run.pgid, then: stopThen)
            draining.insert(name)
            emit(.exit, service, pid: pid, status: status, runtime: runtime, outcome: outcome, cause: run.cause, extra: said)
            effects.append(.watchGroup(name, pgid: run.pgid))
            return
        }
        service.phase = .down(Phase.Down.after(outcome))
        let decide = !isShuttingDown && service.spec.hasDecidingHooks
        // What the process left (children it started) goes with it; first,
        // since the exit's hook may start the next run (in the same cgroup).
        let firstStep = service.spec.stopSteps(defaultTimeout: settings.stopTimeout)[0]
        effects.append(
            .endGroup(
                name, pgid: run.pgid, signal: Signal(firstStep.signal),
                killAfter: firstStep.wait ?? settings.stopTimeout))
        service.leftovers = run.pgid
        // Its post_stop commands follow once the group is gone: a shutdown waits for them.
        if !service.spec.postStop.isEmpty { cleaning.insert(name) }
        effects.append(.watchGroup(name, pgid: run.pgid))
        emit(
            .exit, service, pid: pid, status: status, runtime: runtime, outcome: outcome, error: error, cause: run.cause,
            decide: decide, extra: said)
        recordGone(service)
        if isShuttingDown {
            shutdownProgress(service)
        } else if decide {
            service.phase = .deciding(run: service.starts, outcome: outcome)
        } else {
            apply(policy(service.spec, outcome), to: service, outcome: outcome)
        }
        if outcome == .finished { wakeDependents(of: service) }  // those waiting for it to succeed
    }

    /// An exit noticed this long after the process last ran counts its
    /// runtime up to then (below it, the time the daemon took is noise).
    static let lateExit = 0.5

    func decided(_ name: String, starts: Int, _ decision: Decision?) {
        guard let service = table[name] else { return }
        guard case .deciding(let run, let outcome) = service.phase, run == starts else {
            // Something asked for meanwhile (a stop, a start from the hook) won.
            return releaseBoot(service)
        }
        service.phase = .down(Phase.Down.after(outcome))
        guard !isShuttingDown, !service.held else { return releaseBoot(service) }
        apply(decision ?? policy(service.spec, outcome), to: service, outcome: outcome)
    }

    /// The service's own `restart` policy (a Lua policy function that
    /// returned nil falls back to the default).
    ///
    /// `on-failure` and `always` are the Swift fast path of the bundled
    /// `plugins/backoff.lua` (`require("backoff"){}` and `{always = true}`):
    /// the same decisions from the same event fields (outcome, crashes),
    /// without a Lua call on the restart path. `BackoffPluginTests` runs
    /// both on the same exits; change them together.
    func policy(_ spec: ServiceSpec, _ outcome: Outcome) -> Decision {
        if spec.once { return .stop }
        switch spec.restart {
        case .never: return .stop
        case .always: return .restart(after: nil)
        case .onFailure, .function: return outcome == .crashed ? .restart(after: nil) : .stop
        }
    }

    private func apply(_ decision: Decision, to service: Service, outcome: Outcome) {
        switch decision {
        case .restart(let after):
            service.restarts += 1
            service.startCause = "policy"
            let delay = after ?? settings.backoff.delay(max(1, service.crashes))
            if delay <= 0 { launch(service) } else { delayStart(service, after: delay) }
        case .schedule(let after):
            service.startCause = "policy"
            if after <= 0 { launch(service) } else { delayStart(service, after: after, scheduled: true) }
        case .stop:
            service.phase = .down(Phase.Down.after(outcome))
        case .fatal:
            giveUp(service, as: .fatal)
        }
        releaseBoot(service)
    }

    func giveUp(_ service: Service, as down: Phase.Down) {
        cancelTimer(service, .start)
        cancelTimer(service, .bounce)
        service.phase = .down(down)
        if down == .fatal { emit(.fatal, service) }
    }
}

extension ServiceSpec {
    /// Whether Lua decides this service's exits (`on_exit` or a policy function).
    var hasDecidingHooks: Bool { restart == .function || scriptedFields.contains("on_exit") }
}
