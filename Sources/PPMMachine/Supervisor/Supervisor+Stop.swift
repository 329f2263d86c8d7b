/// Stopping: the stop signal to the whole group, SIGKILL after the timeout,
/// waiting until the group is empty; removal and shutdown build on it.
extension Supervisor {
    /// Stops `service` after the services that require it (transitively):
    /// those are stopped and held first, then `service` stops.
    func stopDependentsFirst(_ service: Service, then: Phase.AfterStop, waiter: Waiter?) {
        let active = (table.dependents[service.spec.name] ?? []).compactMap { table[$0] }.filter(\.isActive)
        guard !active.isEmpty else { return requestStop(service, then: then, waiter: waiter) }
        let queued = service.queuedStop
        service.queuedStop = QueuedStop(
            then: queued?.then.joined(by: then) ?? then,
            waiters: (queued?.waiters ?? []) + (waiter.map { [$0] } ?? []))
        for dependent in active {
            switch dependent.phase {
            case .stopping(_, .hold), .stopping(_, .remove), .draining(_, .hold), .draining(_, .remove):
                continue  // already on its way down
            default:
                setHeld(dependent, true)
                retarget(dependent, .hold)
                stopDependentsFirst(dependent, then: .hold, waiter: nil)
            }
        }
    }

    /// Changes what follows a stop already under way (a removal stays one).
    func retarget(_ service: Service, _ then: Phase.AfterStop) {
        switch service.phase {
        case .stopping(let run, let now): service.phase = .stopping(run, then: now.joined(by: then))
        case .draining(let pgid, let now): service.phase = .draining(pgid: pgid, then: now.joined(by: then))
        case .launching(let now): service.phase = .launching(stopThen: now.map { $0.joined(by: then) })
        case .created, .disabled, .waiting, .preStarting, .starting, .running, .deciding, .down: break
        }
    }

    /// `service` has no process any more: a service it requires that waited
    /// for its dependents to stop may stop now.
    func dependentStopped(_ service: Service) {
        for r in service.spec.requires {
            guard let required = table[r], let queued = required.queuedStop, !table.hasActiveDependents(r) else { continue }
            required.queuedStop = nil
            if queued.waiters.isEmpty { requestStop(required, then: queued.then, waiter: nil) }
            for w in queued.waiters { requestStop(required, then: queued.then, waiter: w) }
        }
    }

    /// Stops the service's run (the first step of its stop ladder to its
    /// whole group, the next ones after their waits, SIGKILL after the
    /// last), or, when nothing runs, settles it at once.
    func requestStop(_ service: Service, then: Phase.AfterStop, waiter: Waiter?) {
        switch service.phase {
        case .starting(let run), .running(let run):
            if let waiter { service.stopWaiters.append(waiter) }
            service.phase = .stopping(run, then: then)
            cancelTimer(service, .start)
            endHealthChecks(service)
            if then == .restart { service.startCause = requestCause }
            beginStopLadder(service, run)
        case .preStarting(let at):
            // Not spawned yet: its pre_start command is ended, and it is down at once.
            effects.append(.endCommand(CommandID(name: service.spec.name, field: .preStart, serial: at.serial)))
            recordGone(service)
            settleWithoutProcess(service, then: then, waiter: waiter)
        case .stopping, .draining, .launching:
            // Joins the stop under way (or the one asked for as soon as the spawn answers).
            if let waiter { service.stopWaiters.append(waiter) }
            if case .launching(nil) = service.phase { service.phase = .launching(stopThen: then) }
            retarget(service, then)
        case .created, .disabled, .waiting, .deciding, .down:
            settleWithoutProcess(service, then: then, waiter: waiter)
        }
    }

    /// A stop of a service with no process: it is down at once.
    private func settleWithoutProcess(_ service: Service, then: Phase.AfterStop, waiter: Waiter?) {
        cancelTimer(service, .start)
        cancelTimer(service, .bounce)
        switch (service.phase, then) {
        case (.disabled, _), (.down(.fatal), _): break
        case (_, .giveUp): giveUp(service, as: .fatal)
        default: service.phase = .down(.stopped)
        }
        effects += (service.stopWaiters + (waiter.map { [$0] } ?? [])).map { .done($0) }
        service.stopWaiters = []
        dependentStopped(service)
        if then == .remove { return forget(service) }
        if then == .restart && !isShuttingDown { launch(service) }
        restarted(service)
    }

    /// The stopped service's group has no member left, or the leftovers of a
    /// run whose leader exited on its own are gone (a start waiting for
    /// them happens now).
    /// Its `post_stop` commands run first, if it has any.
    func groupGone(_ name: String) {
        guard let service = table[name] else { return }
        if service.leftovers != nil {
            service.leftovers = nil
            if beginPostStop(service) { return }
            cleaning.remove(name)  // its spec lost its post_stop meanwhile (a reload)
            if case .waiting(.leftovers) = service.phase { launch(service) }
            shutdownProgress(nil)
        }
        if case .draining(_, let then) = service.phase {
            cancelTimer(service, .kill)
            if beginPostStop(service) { return }
            finishStop(service, then: then)
        }
    }

    func finishStop(_ service: Service, then: Phase.AfterStop) {
        cancelTimer(service, .kill)
        if then == .giveUp { giveUp(service, as: .fatal) } else { service.phase = .down(.stopped) }
        recordGone(service)
        effects += service.stopWaiters.map { .done($0) }
        service.stopWaiters = []
        if then == .remove {
            forget(service)
        } else if then == .restart && !isShuttingDown {
            launch(service)
        }
        restarted(service)
        draining.remove(service.spec.name)
        dependentStopped(service)
        if isShuttingDown { shutdownProgress(service) }
        releaseBoot(service)
    }

    func remove(_ name: String, waiter: Waiter?) {
        guard let service = table[name] else { return waiter.map { effects.append(.done($0)) } ?? () }
        if let waiter { service.removeWaiters.append(waiter) }
        retarget(service, .remove)
        stopDependentsFirst(service, then: .remove, waiter: nil)
    }

    /// Drops a stopped service from the table.
    private func forget(_ service: Service) {
        let name = service.spec.name
        guard table[name] === service else { return }
        cancelTimer(service, .start)
        cancelTimer(service, .bounce)
        cancelTimer(service, .kill)
        if service.persist { effects.append(.persist(.forgotten(name))) }
        effects.append(.forget(name))
        effects += service.removeWaiters.map { .done($0) }
        service.removeWaiters = []
        restarted(service)
        cleaning.remove(name)
        if let index = table.remove(name) { bootForget(name, at: index) }
    }

    func shutdown(waiter: Waiter?) {
        if let waiter { shutdownWaiters.append(waiter) }
        guard !isShuttingDown else { return shutdownProgress(nil) }
        isShuttingDown = true
        bootCursor = nil
        for name in table.order {
            guard let service = table[name] else { continue }
            switch service.phase {
            case .starting, .running, .stopping, .draining:
                if !table.hasActiveDependents(name) { requestStop(service, then: .hold, waiter: nil) }
            case .deciding(_, let outcome):
                cancelTimer(service, .bounce)
                service.phase = .down(Phase.Down.after(outcome))
            case .waiting, .created:
                cancelTimer(service, .start)
                cancelTimer(service, .bounce)
                service.phase = .down(.stopped)
            case .launching:
                service.phase = .launching(stopThen: .hold)  // stopped as soon as the spawn answers
            case .preStarting:
                requestStop(service, then: .hold, waiter: nil)
            case .disabled, .down:
                cancelTimer(service, .start)
                cancelTimer(service, .bounce)
            }
        }
        shutdownProgress(nil)
    }

    /// During shutdown, `service` has no process any more: what it required
    /// may stop now. Tells the waiters once nothing runs. Constant work per
    /// call (plus the service's `requires`), so shutdown is O(N) overall.
    func shutdownProgress(_ service: Service?) {
        guard isShuttingDown else { return }
        for r in service?.spec.requires ?? [] {
            guard let required = table[r], case .running = required.phase, !table.hasActiveDependents(r) else { continue }
            requestStop(required, then: .hold, waiter: nil)
        }
        if table.byPid.isEmpty && draining.isEmpty && cleaning.isEmpty {
            effects += shutdownWaiters.map { .done($0) }
            shutdownWaiters = []
        }
    }
}
