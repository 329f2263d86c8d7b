import PPMMachine

/// The health checks of running services, run by the loop itself
/// (`checkHealth` effects, SPEC 9): each service's probe every `every`
/// seconds after its previous answer, the due times of all of them in one
/// `DeadlineTimer`. An answer that changes nothing (`HealthCheckTuning`)
/// stays here; the others go to the supervisor as `probed` inputs.
/// Confined to the loop.
final class HealthCheckLoop {
    /// One run's checks.
    private final class Checks {
        let plan: HealthCheckPlan
        var tuning: HealthCheckTuning
        /// Ended, or replaced by a later run's: its due times and answers are dropped.
        var ended = false

        init(_ plan: HealthCheckPlan) {
            self.plan = plan
            tuning = plan.tuning
        }
    }

    private let scheduler: Scheduler
    /// Runs one check (nil: none can run; the check fails).
    private let runner: () -> ProbeRunner?
    /// Hands an answer to the supervisor.
    private let report: (SupervisorInput) -> Void
    private var checks: [String: Checks] = [:]
    private var due: DeadlineTimer?

    init(scheduler: Scheduler, runner: @escaping () -> ProbeRunner?, report: @escaping (SupervisorInput) -> Void) {
        self.scheduler = scheduler
        self.runner = runner
        self.report = report
    }

    /// Starts `plan`'s checks, ending the service's earlier ones.
    func start(_ plan: HealthCheckPlan) {
        let new = Checks(plan)
        checks.updateValue(new, forKey: plan.spec.name)?.ended = true
        dueTimes().add(new, at: scheduler.now + plan.firstAfter, leeway: DeadlineTimer.leeway(plan.firstAfter))
    }

    /// What the supervisor tells of the run's checks now.
    func tune(_ name: String, _ tuning: HealthCheckTuning) {
        checks[name]?.tuning = tuning
    }

    /// Ends the service's checks.
    func end(_ name: String) {
        checks.removeValue(forKey: name)?.ended = true
    }

    /// Services with checks running.
    var count: Int { checks.count }

    private func dueTimes() -> DeadlineTimer {
        if let due { return due }
        let made = DeadlineTimer(scheduler: scheduler) { [weak self] checks in self?.check(unsafeDowncast(checks, to: Checks.self)) }
        due = made
        return made
    }

    private func check(_ checks: Checks) {
        guard !checks.ended, let health = checks.plan.spec.health else { return }
        let pid = checks.tuning.pid
        guard let runner = runner() else { return answered(checks, pid: pid, ok: false, message: "no probe runner") }
        runner.run(health.probe, .health, for: checks.plan.spec, pid: pid, timeout: health.timeout) { [weak self] ok, message in
            self?.answered(checks, pid: pid, ok: ok, message: message)
        }
    }

    /// The next check is due `every` after this answer, which goes to the
    /// supervisor unless it changes nothing.
    private func answered(_ checks: Checks, pid: Int32, ok: Bool, message: String?) {
        guard !checks.ended, let health = checks.plan.spec.health else { return }
        // Up to 1 % late (at most 5 ms): checks due close together share a wake-up of the loop.
        dueTimes().add(checks, at: scheduler.now + health.every, leeway: DeadlineTimer.leeway(health.every))
        guard !checks.tuning.changesNothing(pid: pid, ok: ok, message: message) else { return }
        report(.probed(checks.plan.spec.name, pid: pid, .health, ok: ok, message: message))
    }
}
