/// Health checks as the loop runs them (SPEC 9): started once per run
/// (`checkHealth`), tuned when the run's process or what a passing check
/// changes does (`tuneHealthChecks`), ended with the run
/// (`endHealthChecks`). The loop runs each check on its own schedule and
/// reports the answers that may change something: a passing check of a
/// healthy service re-arms no timer and runs no transition.
extension Supervisor {
    /// Starts the checks of the service's current run, the first after `after` seconds.
    func beginHealthChecks(_ service: Service, after: Double) {
        guard service.spec.health != nil, let run = service.phase.run else { return }
        let tuning = Self.healthTuning(run)
        service.healthChecks = tuning
        effects.append(.checkHealth(HealthCheckPlan(spec: service.spec, firstAfter: max(0, after), tuning: tuning)))
    }

    /// Tells the loop what changed for the run's checks: its main process,
    /// or which passing answer changes nothing. Nothing when neither did.
    func tuneHealthChecks(_ service: Service) {
        guard let current = service.healthChecks, let run = service.phase.run else { return }
        let tuning = Self.healthTuning(run)
        guard tuning != current else { return }
        service.healthChecks = tuning
        effects.append(.tuneHealthChecks(service.spec.name, tuning))
    }

    /// Ends the checks of the service's run (it stops, or has ended).
    func endHealthChecks(_ service: Service) {
        guard service.healthChecks != nil else { return }
        service.healthChecks = nil
        effects.append(.endHealthChecks(service.spec.name))
    }

    /// The answers of `run`'s checks that change nothing: a pass with the
    /// last message, once the run is healthy with no failure counted
    /// (`probed` would only set what is set already).
    static func healthTuning(_ run: Phase.Run) -> HealthCheckTuning {
        HealthCheckTuning(pid: run.pid, quiet: run.health == .healthy && run.healthFailures == 0, quietMessage: run.probeMessage)
    }
}
