/// Stopping: the stop signal to the whole group, SIGKILL after the timeout,
/// waiting until the group is empty; removal and shutdown build on it.
extension Supervisor {
    /// Stops `service` after the services that require it (transitively):
    /// those are stopped and held first, then `service` stops.
    func stopDependentsFirst(_ service: Service, waiter: Waiter?) {
        let active = (table.dependents[service.spec.name] ?? []).compactMap { table[$0] }.filter(\.isActive)
        guard !active.isEmpty else { return requestStop(service, waiter: waiter) }
        service.stopAfterDependents = (service.stopAfterDependents ?? []) + (waiter.map { [$0] } ?? [])
        for dependent in active where dependent.state != .stopping || dependent.restartAfterStop {
            setHeld(dependent, true)
            dependent.restartAfterStop = false
            stopDependentsFirst(dependent, waiter: nil)
        }
    }

    /// `service` has no process any more: a service it requires that waited
    /// for its dependents to stop may stop now.
    func dependentStopped(_ service: Service) {
        for r in service.spec.requires {
            guard let required = table[r], let waiters = required.stopAfterDependents, !table.hasActiveDependents(r) else { continue }
            required.stopAfterDependents = nil
            if waiters.isEmpty { requestStop(required, waiter: nil) }
            for w in waiters { requestStop(required, waiter: w) }
        }
    }

    func requestStop(_ service: Service, waiter: Waiter?) {
        guard service.state.hasProcess, let pgid = service.pgid else {
            // Nothing runs (a pending spawn answers before any other input).
            cancelTimer(service, .start)
            cancelTimer(service, .bounce)
            service.launchWhenClear = false
            service.awaitingDecision = nil
            let restart = service.restartAfterStop
            service.restartAfterStop = false
            if service.state != .disabled && service.state != .fatal { service.state = .stopped }
            if let waiter { effects.append(.done(waiter)) }
            dependentStopped(service)
            if service.removeAfterStop { return forget(service) }
            if restart && !isShuttingDown { launch(service) }
            restarted(service)
            return
        }
        if let waiter { service.stopWaiters.append(waiter) }
        guard service.state != .stopping else { return }
        let wasPaused = service.state == .paused
        service.stopRequested = true
        service.state = .stopping
        cancelTimer(service, .start)
        emit(.stop, service, pid: service.pid)
        effects.append(.signalService(service.spec.name, pgid: pgid, service.spec.stopSignal))
        if wasPaused { effects.append(.signalService(service.spec.name, pgid: pgid, Signals.cont)) }
        arm(service, .kill, after: service.spec.stopTimeout ?? settings.stopTimeout)
    }

    /// The stopped service's group has no member left, or the remains of a
    /// run whose leader exited on its own are gone (a start waiting for
    /// that happens now).
    func groupGone(_ name: String) {
        if let service = table[name], service.remainsPending {
            service.remainsPending = false
            if service.launchWhenClear {
                service.launchWhenClear = false
                launch(service)
            }
        }
        guard draining.contains(name), let service = table[name] else { return }
        finishStop(service)
    }

    func finishStop(_ service: Service) {
        cancelTimer(service, .kill)
        service.pgid = nil
        service.stopRequested = false
        service.state = .stopped
        effects.append(.persist(.gone(service.spec.name)))
        effects += service.stopWaiters.map { .done($0) }
        service.stopWaiters = []
        if service.removeAfterStop {
            forget(service)
        } else if service.restartAfterStop && !isShuttingDown {
            service.restartAfterStop = false
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
        service.removeAfterStop = true
        service.restartAfterStop = false
        stopDependentsFirst(service, waiter: nil)
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
        if let index = table.remove(name) { bootForget(name, at: index) }
    }

    func shutdown(waiter: Waiter?) {
        if let waiter { shutdownWaiters.append(waiter) }
        guard !isShuttingDown else { return shutdownProgress(nil) }
        isShuttingDown = true
        bootCursor = nil
        for name in table.order {
            guard let service = table[name] else { continue }
            if service.state.hasProcess {
                if !table.hasActiveDependents(name) { requestStop(service, waiter: nil) }
            } else {
                cancelTimer(service, .start)
                cancelTimer(service, .bounce)
                service.awaitingDecision = nil
                if service.state == .waiting || service.state == .created { service.state = .stopped }
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
            guard let required = table[r], required.state.hasProcess, required.state != .stopping,
                  !table.hasActiveDependents(r) else { continue }
            requestStop(required, waiter: nil)
        }
        if table.byPid.isEmpty && draining.isEmpty {
            effects += shutdownWaiters.map { .done($0) }
            shutdownWaiters = []
        }
    }
}
