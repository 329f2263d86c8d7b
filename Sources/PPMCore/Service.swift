/// The supervisor's record of one service: its spec and run-time state.
/// Owned by `Supervisor`; touched only on its executor.
final class Service {
    var spec: ServiceSpec
    var state: ServiceState = .created
    var pid: Int32?
    /// The process group of the last process, kept while a stop drains it.
    var pgid: Int32?
    var startedAt: Double?
    var starts = 0
    var restarts = 0
    /// Consecutive crashes (SPEC 5.2 `crashes`).
    var crashes = 0
    /// Consecutive quick exits or spawn failures: the backoff exponent.
    var streak = 0
    var spawnFailures = 0
    var lastExit: LastExit?
    /// Stopped on request: stays down until started on request.
    var held = false
    /// A stop was asked for the current process.
    var stopRequested = false
    /// Start again as soon as the current stop completes (`restart`).
    var restartAfterStop = false
    /// The start or restart delay, the stop's SIGKILL deadline, or `bounce`.
    var timer: TimerToken?
    var killTimer: TimerToken?
    var bounceTimer: TimerToken?
    /// Called once the current stop has completed.
    var stopWaiters: [() -> Void] = []
    var stdoutPath: String?
    var stderrPath: String?

    init(spec: ServiceSpec) { self.spec = spec }

    func snapshot(now: Double) -> ServiceSnapshot {
        ServiceSnapshot(
            spec: spec, state: state, pid: pid, starts: starts, restarts: restarts, crashes: crashes,
            uptime: state.hasProcess && pid != nil ? startedAt.map { now - $0 } : nil,
            lastExit: lastExit, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    func cancelTimers() {
        timer?.cancel()
        timer = nil
        bounceTimer?.cancel()
        bounceTimer = nil
    }
}
