/// Everything that can happen to the supervisor. Each input goes through
/// `Supervisor.handle`, which answers with the effects to carry out.
package enum SupervisorInput: Sendable, Equatable {
    /// Declares a service. `held`: it was stopped on request before the
    /// daemon restarted. `persist`: a run-time service the state file keeps.
    case add(ServiceSpec, held: Bool = false, persist: Bool = false)
    /// A reload's new services: added at the end and started in order as
    /// boot does (a `wait` service holds the ones after it).
    case declare([ServiceSpec])
    /// A reload changed the service's spec: it applies from now on, and a
    /// running service restarts with it (counters kept; a stopped or held
    /// one stays down).
    case replace(ServiceSpec)
    /// Starts the declared services in order, honouring `wait`.
    case boot
    /// Starts a service now or after a delay (no-op if it runs); clears a
    /// held stop. `scheduled`: the delay is a schedule's (`ppm.first_start`).
    /// `cause`: who asked (`cli`, `hook`), the `cause` of its start event.
    case start(String, after: Double? = nil, scheduled: Bool = false, cause: String? = nil)
    /// Stops a service and holds it down; `waiter` is told once its processes are gone.
    case stop(String, waiter: Waiter? = nil, cause: String? = nil)
    /// Stops a running service and starts it again; `waiter` is told once
    /// the new process was spawned (or could not be). `cause`: who asked
    /// (`cli`, `hook`, `depends`), the `cause` of its stop and start events.
    case restart(String, waiter: Waiter? = nil, cause: String? = nil)
    /// Sends a signal to the service's process group (if it runs).
    case signal(String, Int32)
    /// Stops a service and forgets it; `waiter` is told once it is gone.
    case remove(String, waiter: Waiter? = nil)
    /// Stops every service, dependents first; nothing starts afterwards.
    case shutdown(waiter: Waiter? = nil)
    /// A child exited or was killed (unknown pids are fine: orphans);
    /// `ended`: when it last ran (monotonic seconds, `ProcessEnd.lastRan`),
    /// for an exit that may be noticed late.
    case exited(pid: Int32, status: ExitStatus, ended: Double? = nil)
    /// A child was stopped by a signal (SIGSTOP, SIGTSTP…).
    case paused(pid: Int32)
    /// A stopped child was continued.
    case continued(pid: Int32)
    /// The outcome of a `spawn` effect.
    case spawned(String, Result<Int32, SpawnFailure>)
    /// What the hooks decided about an exit asked with `event(_, decide: true)`;
    /// `starts` names the run that exited.
    case decided(String, starts: Int, Decision?)
    /// A timer armed by an `arm` effect fired.
    case timer(TimerID)
    /// A process group watched with `watchGroup` has no member left.
    case groupGone(String)
    /// A process a killed (or re-executed) daemon left running for this
    /// service: it is taken over instead of started again.
    case adopt(String, AdoptedProcess)
    /// The state a re-executed daemon had for this service (before `adopt` and `boot`).
    case resume(String, ResumedService)
    /// New settings (`ppm.settings`): they apply to what happens from now on.
    case configure(SupervisorSettings)
    /// The service's process `pid` said it is ready (sd_notify `READY=1`,
    /// its notification descriptor, a matching log line).
    case ready(String, pid: Int32)
    /// `WATCHDOG=1` from the service of process `pid` (with `trigger`:
    /// `WATCHDOG=trigger`, unhealthy at once).
    case watchdog(String, pid: Int32, trigger: Bool)
    /// `EXTEND_TIMEOUT_USEC=` from the service of process `pid`: while it
    /// starts, `ready_timeout` runs out no sooner than `seconds` from now.
    case extendReadyTimeout(String, pid: Int32, seconds: Double)
    /// The service of process `pid` (its main process when this was seen)
    /// said something else over sd_notify: `RELOADING=1`, `STOPPING=1`,
    /// `ERRNO=`, `MAINPID=`.
    case notice(String, pid: Int32, ServiceNotice)
    /// The answer of a `probe` effect for the process `pid`.
    case probed(String, pid: Int32, ProbePurpose, ok: Bool, message: String?)
    /// What `on_health` decided about an `unhealthy` event of run `starts`
    /// (nil: only report).
    case healthDecided(String, starts: Int, Decision?)
    /// Something the daemon journals (`config`, `config_error`, `daemon_error`,
    /// `remote_refused`…): passed on as a `journal` effect, so it is written in
    /// order with what the inputs before it journaled (`SupervisorLoop.record`).
    case journal(JournalNote)
    /// A command of a `runCommand` effect ended.
    case commandEnded(CommandID, CommandResult)
    /// Tells `waiter` once the service's start is done: at once, unless its
    /// `pre_start` commands run (then once they ended and it was spawned or
    /// could not be).
    case whenStarted(String, waiter: Waiter)
    /// Tells `waiter` once the service's process is gone (at once when it has
    /// none): right after the `persist(.gone)` that records it, however it
    /// ended (a stop, a shutdown, an exit of its own). Asks nothing of it.
    case whenGone(String, waiter: Waiter)
}

extension SupervisorInput {
    /// Who asked for what this input does, as the `cause` of the stop and
    /// start events it leads to (`cli`, `hook`, `depends`; `shutdown` for a quit).
    var cause: String? {
        switch self {
        case .start(_, _, _, let cause), .stop(_, _, let cause), .restart(_, _, let cause): cause
        case .shutdown: "shutdown"
        default: nil
        }
    }
}
