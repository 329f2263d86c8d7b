/// What a transition asks the world to do. `SupervisorLoop` carries effects
/// out in order; the answers that matter come back as inputs (`spawned`,
/// `decided`, `timer`, `groupGone`).
public enum Effect: Sendable, Equatable {
    /// Start the service's process in its own process group; the loop
    /// answers with `spawned` at once.
    case spawn(ServiceSpec)
    /// Send a signal to every process of a group.
    case signal(pgid: Int32, Int32)
    /// Fire `timer(id)` after the delay.
    case arm(TimerID, after: Double)
    /// Forget a timer armed before.
    case cancel(TimerID)
    /// Journal the event and run the hooks that listen. With `decide`, the
    /// loop answers with `decided` (what `on_exit` or the policy function said).
    case event(ServiceEvent, decide: Bool)
    /// End what is left of a process group whose leader exited on its own:
    /// `signal` now, SIGKILL after `killAfter` seconds if members remain.
    /// Nothing to do (one system call) when the leader was alone.
    case endGroup(pgid: Int32, signal: Int32, killAfter: Double)
    /// Report `groupGone` once the process group has no member left.
    case watchGroup(String, pgid: Int32)
    /// The service is gone for good: drop what the world keeps for it.
    case forget(String)
    /// Watch a process that is not a child (adopted): `exited(pid, .unknown)` when it ends.
    case watchProcess(pid: Int32)
    /// Tell a waiter its request completed.
    case done(Waiter)
    /// Persistence: what the state file must remember.
    case persist(StateChange)
}

/// One change of the persisted state: running processes (so a later daemon
/// never runs a service twice) and the services added at run time.
public enum StateChange: Sendable, Equatable {
    /// The service's process group runs with this leader.
    case running(String, pid: Int32)
    /// The service has no process left.
    case gone(String)
    /// A run-time service was added (or replaced), with its held flag.
    case saved(ServiceSpec, held: Bool)
    /// A run-time service was stopped on request (true) or started again.
    case held(String, Bool)
    /// A run-time service was removed.
    case forgotten(String)
}
