/// Where one service is in its life, with the data that phase needs: the
/// supervisor's whole per-service machine. SPEC section 4's `ServiceState`
/// is derived from it (`state`); impossible combinations (a pid while
/// waiting, a decision pending while a process runs) cannot be written.
///
/// What each input does in each phase (the `switch` in each handler of
/// `Supervisor` names every phase; inputs a phase does not take are ignored
/// there explicitly):
///
/// | phase | start | stop / remove | restart | exit of its pid | timer | group gone |
/// | --- | --- | --- | --- | --- | --- | --- |
/// | created, down, disabled | launch | down (stopped) | launch | – | – | leftovers gone |
/// | waiting | launch now | down (stopped) | launch now | – | start: launch | leftovers gone: launch |
/// | launching | – | stop once spawned | – | – | – | – |
/// | running | – | stopping | stopping, then launch | exited: deciding, waiting or down | bounce: restart | – |
/// | stopping | a hold becomes a restart | joins the stop | the stop restarts | draining | kill: SIGKILL | – |
/// | draining | a hold becomes a restart | joins the stop | the stop restarts | – | kill: SIGKILL | stop completes |
/// | deciding | launch | down (stopped) | launch | – | – | leftovers gone |
enum Phase: Equatable, Sendable {
    /// Declared; boot (or `ppm.first_start`) has not considered it yet.
    case created
    /// `disabled = true`: never started until enabled.
    case disabled
    /// Will start by itself: after a delay, once what it requires runs, or
    /// once the last run's leftovers are gone.
    case waiting(Wait)
    /// The spawn effect is out; its answer is the next input. A stop asked
    /// meanwhile (`then`) is carried out once the process exists.
    case launching(stopThen: AfterStop?)
    /// A process runs.
    case running(Run)
    /// The stop signal was sent to the run; `then` says what follows.
    case stopping(Run, then: AfterStop)
    /// The stopped run's leader is gone; its group still has members.
    case draining(pgid: Int32, then: AfterStop)
    /// The run `run` (its `starts`) exited on its own; the hooks decide what follows.
    case deciding(run: Int, outcome: Outcome)
    /// Down, and stays down until asked (or a policy that never restarts).
    case down(Down)

    /// Why a service waits.
    enum Wait: Equatable, Sendable {
        /// A start timer (backoff, `start_after`, `after =`) fires at `due` (monotonic seconds).
        case timer(due: Double)
        /// A service it requires does not run yet.
        case requires
        /// What the last run left (its group, its cgroup) is being ended.
        case leftovers
    }

    /// What follows a stop.
    enum AfterStop: Equatable, Sendable {
        /// Stay down (`stop`, shutdown).
        case hold
        /// Start again (`restart`, `bounce`, a changed spec).
        case restart
        /// Forget the service (`remove`).
        case remove

        /// The request that wins when another joins a stop in progress: the
        /// latest, except that a removal stays a removal.
        func joined(by later: AfterStop) -> AfterStop { self == .remove ? .remove : later }
    }

    /// The ways a service is down.
    enum Down: Equatable, Sendable {
        case stopped, finished, crashed, fatal

        /// The `ServiceState` it shows as.
        var state: ServiceState {
            switch self {
            case .stopped: .stopped
            case .finished: .finished
            case .crashed: .crashed
            case .fatal: .fatal
            }
        }

        /// How an exit of this outcome leaves the service when nothing restarts it.
        static func after(_ outcome: Outcome) -> Down { outcome == .crashed ? .crashed : .finished }
    }

    /// A running process of the service.
    struct Run: Equatable, Sendable {
        /// The process (and its group's leader).
        var pid: Int32
        /// Its process group.
        var pgid: Int32
        /// When it started, on the monotonic clock.
        var startedAt: Double
        /// Stopped by a signal (SIGSTOP, SIGTSTP): shown as `paused`.
        var paused = false
    }

    /// The public state of SPEC section 4.
    var state: ServiceState {
        switch self {
        case .created: .created
        case .disabled: .disabled
        case .waiting, .launching: .waiting
        case .running(let run): run.paused ? .paused : .running
        case .stopping, .draining: .stopping
        case .deciding(_, let outcome): Down.after(outcome).state
        case .down(let down): down.state
        }
    }

    /// The run whose process is alive (running or stopping).
    var run: Run? {
        switch self {
        case .running(let run), .stopping(let run, _): run
        default: nil
        }
    }

    /// The process group something of the service may still live in.
    var pgid: Int32? {
        switch self {
        case .running(let run), .stopping(let run, _): run.pgid
        case .draining(let pgid, _): pgid
        default: nil
        }
    }

    /// A process runs, is being stopped or drained, or is being spawned.
    var isActive: Bool {
        switch self {
        case .launching, .running, .stopping, .draining: true
        case .created, .disabled, .waiting, .deciding, .down: false
        }
    }
}
