/// Readiness and health (SPEC 9): `starting` until the service says it is
/// ready (or a probe passes), a failed start after `ready_timeout`, health
/// checks while it runs, and the conditions dependents wait for.
extension Supervisor {
    /// After a spawn: wait for readiness, or be ready at once (`ready = "started"`).
    func afterSpawn(_ service: Service, _ run: Phase.Run) {
        let spec = service.spec
        guard spec.ready.waits else {
            service.phase = .running(run)
            return startHealthChecks(service)
        }
        service.phase = .starting(run)
        persistKept(service)
        awaitReadiness(service, run, within: spec.readyTimeout)
    }

    /// Waits up to `seconds` for the run to become ready (probing, for probe kinds).
    func awaitReadiness(_ service: Service, _ run: Phase.Run, within seconds: Double) {
        var run = run
        run.readyDue = now.monotonic + seconds
        service.phase = .starting(run)
        arm(service, .ready, after: seconds)
        if case .probe = service.spec.ready { arm(service, .probe, after: service.spec.readyEvery) }
    }

    /// The world saw the current process say it is ready (`READY=1`, a
    /// line on its notification descriptor, a matching log line).
    func ready(_ name: String, pid: Int32) {
        guard let service = table[name], case .starting(let run) = service.phase, run.pid == pid else {
            return reloaded(name, pid: pid)
        }
        becameReady(service, run)
    }

    /// `EXTEND_TIMEOUT_USEC`: the start may take `seconds` more from now.
    func extendReadyTimeout(_ name: String, pid: Int32, seconds: Double) {
        guard let service = table[name], case .starting(var run) = service.phase, run.pid == pid else { return }
        let due = max(run.readyDue ?? now.monotonic, now.monotonic + seconds)
        run.readyDue = due
        service.phase = .starting(run)
        arm(service, .ready, after: due - now.monotonic)
    }

    private func becameReady(_ service: Service, _ run: Phase.Run) {
        var run = run
        run.readyDue = nil
        service.phase = .running(run)
        cancelTimer(service, .ready)
        cancelTimer(service, .probe)
        emit(.ready, service, pid: run.pid, extra: ["after": .double(max(0, now.monotonic - run.startedAt))])
        persistKept(service)
        startHealthChecks(service)
        wakeDependents(of: service)
    }

    /// Arms the watchdog (after `watchdogIn`, else its whole interval) and
    /// the first health check: after `start_period`, or at the next
    /// interval for a run `adopted` with a verdict already.
    func startHealthChecks(_ service: Service, watchdogIn: Double? = nil, adopted: Bool = false) {
        if case .running(var run) = service.phase, let watchdog = run.watchdogInterval ?? service.spec.watchdog {
            let after = min(watchdogIn ?? watchdog, watchdog)
            run.watchdogDue = now.monotonic + after
            service.phase = .running(run)
            arm(service, .watchdog, after: after)
        }
        guard let health = service.spec.health else { return }
        beginHealthChecks(service, after: adopted ? health.every : health.startPeriod + health.every)
    }

    /// `WATCHDOG=1` (or `=trigger`) from the current run.
    func watchdog(_ name: String, pid: Int32, trigger: Bool) {
        guard let service = table[name], case .running(var run) = service.phase, run.pid == pid else { return }
        if trigger { return checkFailed(service, run, "WATCHDOG=trigger", at: .immediately) }
        guard let watchdog = run.watchdogInterval ?? service.spec.watchdog else { return }
        run.watchdogDue = now.monotonic + watchdog
        service.phase = .running(run)
        arm(service, .watchdog, after: watchdog)
        // The watchdog alone judges health: its first ping is a passed check.
        if run.health == .unhealthy || (run.health == nil && service.spec.health == nil) {
            checkPassed(service, run)
            tuneHealthChecks(service)
        }
    }

    /// How a failed check counts: one of `failures` in a row, or unhealthy at once (watchdog).
    enum FailureWeight { case one, immediately }

    /// A readiness probe's timer fired: ask the world to run it (the answer
    /// is `probed`). Health checks run on the loop's own schedule
    /// (`Supervisor+HealthChecks`).
    func probeDue(_ service: Service) {
        guard case .starting(let run) = service.phase, case .probe(let probe) = service.spec.ready else { return }
        let timeout = min(service.spec.readyTimeout, max(2, service.spec.readyEvery))
        effects.append(.probe(service.spec, pid: run.pid, .ready, probe, timeout: timeout))
    }

    /// A probe's answer for the process `pid`.
    func probed(_ name: String, pid: Int32, _ purpose: ProbePurpose, ok: Bool, message: String?) {
        guard let service = table[name] else { return }
        switch (service.phase, purpose) {
        case (.starting(var run), .ready) where run.pid == pid:
            run.probeMessage = message
            if ok { return becameReady(service, run) }
            service.phase = .starting(run)
            arm(service, .probe, after: service.spec.readyEvery)
        case (.running(var run), .health) where run.pid == pid:
            guard service.spec.health != nil else { return }
            run.probeMessage = message
            if ok { checkPassed(service, run) } else { checkFailed(service, run, message, at: .one) }
            tuneHealthChecks(service)
        default:
            break  // an answer for an earlier process, or a phase that no longer checks
        }
    }

    private func checkPassed(_ service: Service, _ run: Phase.Run) {
        var run = run
        run.healthFailures = 0
        let changed = run.health != .healthy
        run.health = .healthy
        service.phase = .running(run)
        guard changed else { return }
        persistKept(service)
        emit(.healthy, service, pid: run.pid)
        wakeDependents(of: service)
    }

    func checkFailed(_ service: Service, _ run: Phase.Run, _ message: String?, at weight: FailureWeight) {
        var run = run
        run.healthFailures += 1
        let needed = weight == .immediately ? 1 : service.spec.health?.failures ?? 1
        guard run.healthFailures >= needed, run.health != .unhealthy else {
            service.phase = .running(run)
            return tuneHealthChecks(service)
        }
        run.health = .unhealthy
        service.phase = .running(run)
        tuneHealthChecks(service)
        persistKept(service)
        let hooked = service.spec.scriptedFields.contains("on_health")
        emit(.unhealthy, service, pid: run.pid, error: message, decide: hooked, extra: ["failures": .init(run.healthFailures)])
        if !hooked { act(on: service, .restart(after: nil)) }
    }

    /// What `on_health` answered about the run `starts` (nil: only report).
    func healthDecided(_ name: String, starts: Int, _ decision: Decision?) {
        guard let service = table[name], service.starts == starts, case .running = service.phase, let decision else { return }
        act(on: service, decision)
    }

    /// The health action: the exit it causes says `cause = "unhealthy"`.
    private func act(on service: Service, _ decision: Decision) {
        guard case .running(var run) = service.phase else { return }
        run.cause = "unhealthy"
        service.phase = .running(run)
        requestCause = "unhealthy"
        switch decision {
        case .restart, .schedule:
            service.restarts += 1
            requestStop(service, then: .restart, waiter: nil)
        case .stop: requestStop(service, then: .hold, waiter: nil)
        case .fatal: requestStop(service, then: .giveUp, waiter: nil)
        }
    }

    /// `ready_timeout` passed while `starting`: the start failed.
    func readyTimedOut(_ service: Service) {
        guard case .starting = service.phase else { return }
        cancelTimer(service, .probe)
        requestStop(service, then: .fail("not ready after \(Self.seconds(service.spec.readyTimeout)) s"), waiter: nil)
    }

    /// Seconds as a config would write them: `30`, `2.5`.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    // MARK: Dependencies

    /// What a dependent with `spec` waits for in `required`.
    func condition(of required: String, for spec: ServiceSpec) -> RequireCondition {
        spec.requireConditions[required] ?? (table[required]?.spec.once == true ? .succeeded : .ready)
    }

    /// Whether `required` meets what `spec` waits for.
    func isMet(_ required: String, for spec: ServiceSpec) -> Bool {
        guard let service = table[required] else { return false }
        switch (condition(of: required, for: spec), service.phase) {
        case (.started, .starting), (.started, .running): return true
        case (.ready, .running(let run)): return !run.paused  // a reloading service stays ready
        case (.healthy, .running(let run)): return run.health == .healthy
        case (.succeeded, .down(.finished)): return service.lastExit?.result == 0
        default: return false
        }
    }

    /// Why `required` will never meet the condition, or nil while it may.
    func neverMet(_ required: String, for spec: ServiceSpec) -> String? {
        guard let service = table[required] else { return "\(required) is not declared" }
        let condition = condition(of: required, for: spec)
        switch (condition, service.phase) {
        case (_, .down(.fatal)): return "\(required) is fatal"
        case (_, .disabled): return "\(required) is disabled"
        case (.succeeded, .down(.crashed)), (.succeeded, .down(.stopped)):
            return "\(required) \(service.state.rawValue) (it needed to succeed)"
        case (.succeeded, .down(.finished)) where service.lastExit?.result != 0:
            return "\(required) exited without success (it needed to succeed)"
        default: return nil
        }
    }

    /// Starts the dependents of `service` that wait for what it now meets.
    func wakeDependents(of service: Service) {
        for d in table.dependents[service.spec.name] ?? [] {
            guard let dependent = table[d], case .waiting(let why) = dependent.phase else { continue }
            if case .timer = why { continue }
            launch(dependent)
        }
    }
}
