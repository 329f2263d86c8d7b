/// What a transition asks the world to do. `SupervisorLoop` carries effects
/// out in order; the answers that matter come back as inputs (`spawned`,
/// `decided`, `timer`, `groupGone`).
package enum Effect: Sendable, Equatable {
    /// Start the service's process in its own process group; the loop
    /// answers with `spawned` at once.
    case spawn(ServiceSpec)
    /// Send a signal to every process of a group (`ppm-lua signal`).
    case signal(pgid: Int32, Signal)
    /// Send a signal to everything the service runs: its process group and,
    /// where services have cgroups, every process of its cgroup (stop, kill).
    case signalService(String, pgid: Int32, Signal)
    /// Fire `timer(id)` after the delay.
    case arm(TimerID, after: Double)
    /// Forget a timer armed before.
    case cancel(TimerID)
    /// Journal the event and run the hooks that listen. With `decide`, the
    /// loop answers with `decided` (what `on_exit` or the policy function said).
    case event(ServiceEvent, decide: Bool)
    /// Journal a daemon-level entry (`config`, `daemon_error`, a hook error
    /// outside an event…), in its place among the other effects.
    case journal(JournalNote)
    /// End what is left of a service whose leader exited on its own (its
    /// process group, and its cgroup's processes at this moment): `signal`
    /// now, SIGKILL after `killAfter` seconds to those that remain. Nothing
    /// to do (a system call or two) when the leader was alone. Comes before
    /// anything that could start the next run.
    case endGroup(String, pgid: Int32, signal: Signal, killAfter: Double)
    /// Report `groupGone` once nothing the service ran is left (group and cgroup).
    case watchGroup(String, pgid: Int32)
    /// The service is gone for good: drop what the world keeps for it.
    case forget(String)
    /// Watch a process that is not a child (adopted): `exited(pid, .unknown)` when it ends.
    case watchProcess(pid: Int32)
    /// Run a readiness probe or health check for the process `pid`; the
    /// loop answers with `probed` (within `timeout` seconds).
    case probe(ServiceSpec, pid: Int32, ProbePurpose, Probe, timeout: Double)
    /// Run the health checks of a service's run by themselves (replacing
    /// those of an earlier run): the loop answers with `probed` for each
    /// check that may change something (`HealthCheckPlan`).
    case checkHealth(HealthCheckPlan)
    /// The run checked, or the answers that change nothing, changed.
    case tuneHealthChecks(String, HealthCheckTuning)
    /// End the service's health checks (the answer of one under way is dropped).
    case endHealthChecks(String)
    /// Run a service's command (`pre_start`, `stop_cmd`, `post_stop`); the
    /// loop answers with `commandEnded` once it has ended.
    case runCommand(ServiceCommand)
    /// End a command still running (a `pre_start` whose start was called off).
    case endCommand(CommandID)
    /// Tell a waiter its request completed.
    case done(Waiter)
    /// Persistence: what the state file must remember.
    case persist(StateChange)
}
