/// The supervisor's record of one service: its spec and run-time state.
/// Owned by `Supervisor`; touched only on its executor.
final class Service {
    var spec: ServiceSpec {
        didSet { fragments = nil }
    }
    /// The spec's members as JSON text, made at the first snapshot after
    /// the spec was set (`SpecFragments`).
    private var fragments: SpecFragments?

    /// The spec's members as JSON text, made now if the spec changed since.
    var specFragments: SpecFragments {
        if let fragments { return fragments }
        let made = SpecFragments(spec)
        fragments = made
        return made
    }
    /// A run-time service: its changes go to the state file.
    let persist: Bool
    /// Where it is in its life, with that phase's data (`Phase`).
    var phase: Phase = .created
    /// The SPEC state its phase shows as.
    var state: ServiceState { phase.state }
    /// The current process, while one runs (running or stopping).
    var pid: Int32? { phase.run?.pid }
    var starts = 0
    var restarts = 0
    /// Consecutive crashes and spawn failures (SPEC 5.2 `crashes`), ended
    /// by a clean exit or a run of `reset_after`: the backoff exponent.
    var crashes = 0
    var spawnFailures = 0
    /// Crashes and spawn failures since the daemon started (`ppm_service_crashes_total`).
    var crashesTotal = 0
    /// Why the last spawn failed (cleared by a successful one).
    var lastError: String?
    var lastExit: LastExit?
    /// Stopped on request: stays down until started on request (persisted;
    /// it outlives the phase, e.g. across a daemon restart).
    var held = false
    /// The process group of an earlier run whose leader exited on its own,
    /// while what it left is being ended: no new run starts next to it.
    var leftovers: Int32?
    /// While it stops: the step of its stop ladder whose wait runs, and
    /// when the stop began (monotonic seconds).
    var stopStep = 0
    var stopBegan: Double = 0
    /// Its `post_stop` command running: the index and the serial of its
    /// `CommandID`. No run starts until it has ended.
    var postStop: (step: Int, serial: Int)?
    /// A stop asked while services requiring this one still run: it is
    /// carried out once none does (`then`, and the waiters told then).
    var queuedStop: QueuedStop?
    /// Why the next run starts (`cause` of its start event: `cli`, `hook`,
    /// `policy`…), from the request until the spawn.
    var startCause: String?
    /// Armed timers by kind.
    var timers: [TimerID.Kind: TimerID] = [:]
    /// What the loop was last told of the run's health checks; nil while none run.
    var healthChecks: HealthCheckTuning?
    /// Told once the current stop has completed.
    var stopWaiters: [Waiter] = []
    /// Told once the restart asked on request has spawned (or failed to).
    var restartWaiters: [Waiter] = []
    var removeWaiters: [Waiter] = []
    var stdoutPath: String?
    var stderrPath: String?

    init(spec: ServiceSpec, persist: Bool) {
        self.spec = spec
        self.persist = persist
    }

    /// Whether a process runs, is being stopped, or is being spawned.
    var isActive: Bool { phase.isActive }

    /// Whether it is being removed (now or once its dependents stopped).
    var isBeingRemoved: Bool {
        switch phase {
        case .stopping(_, .remove), .draining(_, .remove), .launching(.remove): true
        default: queuedStop?.then == .remove
        }
    }

    /// A copy of its state; without `keeping`, no `kept` (what another
    /// image would keep of the run: `ls` does not show it).
    func snapshot(now: Double, keeping: Bool = true) -> ServiceSnapshot {
        let run = phase.run
        var s = ServiceSnapshot(
            spec: spec, state: state, pid: run?.pid, starts: starts, restarts: restarts, crashes: crashes,
            uptime: run.map { now - $0.startedAt }, lastExit: lastExit, stdoutPath: stdoutPath, stderrPath: stderrPath)
        s.specFragments = fragments  // as made by a listing: a snapshot alone does not make them (a thousand at start-up)
        s.held = held
        s.spawnFailures = spawnFailures
        s.crashesTotal = crashesTotal
        s.lastError = lastError
        if case .waiting(.timer(let due, let scheduled)) = phase {
            s.startsIn = max(0, due - now)
            s.scheduled = scheduled
        }
        s.health = run?.health
        s.probeMessage = run?.probeMessage
        s.pgid = phase.pgid
        s.errno = run?.errno
        s.stoppingNotified = run?.stoppingNoticed ?? false
        if keeping, let run {
            var ready = true
            if case .starting = phase { ready = false }
            s.kept = KeptRun(run, ready: ready, now: now)
            if case .stopping(_, let then) = phase { s.kept?.stop = KeptStop(then, step: stopStep, elapsed: now - stopBegan) }
        }
        return s
    }
}

/// A stop waiting for the services that require it to stop first.
struct QueuedStop {
    /// What follows the stop.
    var then: Phase.AfterStop
    /// Told once the stop has completed.
    var waiters: [Waiter]
}
