/// The supervisor's record of one service: its spec and run-time state.
/// Owned by `Supervisor`; touched only on its executor.
final class Service {
    var spec: ServiceSpec
    /// A run-time service: its changes go to the state file.
    let persist: Bool
    var state: ServiceState = .created
    var pid: Int32?
    /// The process group of the last process, kept while a stop drains it.
    var pgid: Int32?
    /// When the current process started, on the monotonic clock.
    var startedAt: Double?
    var starts = 0
    var restarts = 0
    /// Consecutive crashes and spawn failures (SPEC 5.2 `crashes`), ended
    /// by a clean exit or a run of `reset_after`: the backoff exponent.
    var crashes = 0
    var spawnFailures = 0
    /// Why the last spawn failed (cleared by a successful one).
    var lastError: String?
    /// When the armed start timer fires, on the monotonic clock.
    var startDue: Double?
    var lastExit: LastExit?
    /// Stopped on request: stays down until started on request.
    var held = false
    /// A spawn effect was sent and its answer has not come back yet.
    var launching = false
    /// The last run's leader exited on its own and what it left (group,
    /// cgroup) is being ended: no new run starts until it is gone.
    var remainsPending = false
    /// A start was asked while `remainsPending`: it happens once they are gone.
    var launchWhenClear = false
    /// A stop was asked for the current process.
    var stopRequested = false
    /// Start again as soon as the current stop completes (`restart`, `bounce`).
    var restartAfterStop = false
    /// Forget the service once the current stop completes (`remove`).
    var removeAfterStop = false
    /// The run (`starts`) whose exit waits for the hooks' decision.
    var awaitingDecision: Int?
    /// The outcome of that exit.
    var pendingOutcome: Outcome?
    /// Armed timers by kind.
    var timers: [TimerID.Kind: TimerID] = [:]
    /// Stop once no service requiring this one has a process any more; the
    /// waiters are told when that stop completes. Nil: no such stop pending.
    var stopAfterDependents: [Waiter]?
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

    /// Whether a process runs or is being started.
    var isActive: Bool { state.hasProcess || launching }

    func snapshot(now: Double) -> ServiceSnapshot {
        var s = ServiceSnapshot(
            spec: spec, state: state, pid: pid, starts: starts, restarts: restarts, crashes: crashes,
            uptime: state.hasProcess && pid != nil ? startedAt.map { now - $0 } : nil,
            lastExit: lastExit, stdoutPath: stdoutPath, stderrPath: stderrPath)
        s.held = held
        s.spawnFailures = spawnFailures
        s.lastError = lastError
        if state == .waiting, timers[.start] != nil, let due = startDue { s.startsIn = max(0, due - now) }
        return s
    }
}
