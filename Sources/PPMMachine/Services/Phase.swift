/// Where one service is in its life, with the data that phase needs: the
/// supervisor's whole per-service machine. SPEC section 4's `ServiceState`
/// is derived from it (`state`); impossible combinations (a pid while
/// waiting, a decision pending while a process runs) cannot be written.
///
/// What each input does in each phase (the `switch` in each handler of
/// `Supervisor` names every phase; inputs a phase does not take are ignored
/// there explicitly):
///
/// | phase | start | stop / remove | restart | exit of its pid | timer | group gone | command ended |
/// | --- | --- | --- | --- | --- | --- | --- | --- |
/// | created, down, disabled | launch | down (stopped) | launch | – | – | leftovers gone: post_stop | post_stop done |
/// | waiting | launch now | down (stopped) | launch now | – | start: launch | leftovers gone: post_stop, launch | post_stop done: launch |
/// | preStarting | – | pre_start ended, down (stopped) | pre_start ended, launch | – | – | – | pre_start: next, launching or spawn_failed |
/// | launching | – | stop once spawned | – | – | – | – | – |
/// | starting | – | stopping | stopping, then launch | exited: as running | ready: a failed start; probe | – | – |
/// | running | – | stopping | stopping, then launch | exited: deciding, waiting or down | bounce: restart; probe: health | – | – |
/// | stopping | a hold becomes a restart | joins the stop | the stop restarts | draining | kill: next step of the ladder | – | – |
/// | draining | a hold becomes a restart | joins the stop | the stop restarts | – | kill: next step of the ladder | post_stop, or the stop completes | post_stop done: the stop completes |
/// | deciding | launch | down (stopped) | launch | – | – | leftovers gone: post_stop | post_stop done |
///
/// Readiness (`ready`, `probed`) moves `starting` to `running`; health checks
/// (`probed`, `healthDecided`) act on `running` only. Both are ignored elsewhere.
/// sd_notify's `notice` (RELOADING, STOPPING, ERRNO, MAINPID) changes the
/// run of `starting`, `running` or `stopping` only. `deciding` lasts until
/// `decided`, which may come turns later (a hook waiting in `ppm.sleep`).
/// A `stop_cmd` that ended only journals a failure, in any phase.
enum Phase: Equatable, Sendable {
    /// Declared; boot (or `ppm.first_start`) has not considered it yet.
    case created
    /// `disabled = true`: never started until enabled.
    case disabled
    /// Will start by itself: after a delay, once what it requires runs, or
    /// once the last run's leftovers are gone.
    case waiting(Wait)
    /// Its `pre_start` commands run, one after the other; the spawn follows
    /// the last (`start_timeout` bounds them all).
    case preStarting(PreStart)
    /// The spawn effect is out; its answer is the next input. A stop asked
    /// meanwhile (`then`) is carried out once the process exists.
    case launching(stopThen: AfterStop?)
    /// A process runs and has not said it is ready yet (`ready =`).
    case starting(Run)
    /// A process runs (and is ready).
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
        /// A start timer (backoff, `start_after`, `after =`) fires at `due`
        /// (monotonic seconds); `scheduled`: the time a schedule set (`cron`),
        /// not a restart after an exit.
        case timer(due: Double, scheduled: Bool = false)
        /// A service it requires does not run yet.
        case requires
        /// What the last run left (its group, its cgroup) is being ended,
        /// or its `post_stop` commands run.
        case leftovers
    }

    /// Where the `pre_start` commands are.
    struct PreStart: Equatable, Sendable {
        /// The index of the command running.
        var step: Int
        /// Its `CommandID.serial`.
        var serial: Int
        /// When `start_timeout` runs out (monotonic seconds).
        var deadline: Double
    }

    /// What follows a stop.
    enum AfterStop: Equatable, Sendable {
        /// Stay down (`stop`, shutdown).
        case hold
        /// Start again (`restart`, `bounce`, a changed spec).
        case restart
        /// Forget the service (`remove`).
        case remove
        /// The run failed (not ready in time): its exit is a crash with
        /// this error, and the policy decides.
        case fail(String)
        /// Stay down as `fatal` (a health action).
        case giveUp

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
        /// The last health checks' verdict (nil: none yet).
        var health: Health?
        /// Failed health checks in a row.
        var healthFailures = 0
        /// The last probe's result, for `show`.
        var probeMessage: String?
        /// Why it is being stopped, when not on request (`cause` of its exit event).
        var cause: String?
        /// While starting: when `ready_timeout` runs out (monotonic seconds).
        var readyDue: Double?
        /// sd_notify `RELOADING=1` and no `READY=1` since: shown as `reloading`.
        var reloading = false
        /// sd_notify `STOPPING=1`: the process said it is shutting down.
        var stoppingNoticed = false
        /// The last sd_notify `ERRNO=`.
        var errno: Int32?
        /// When its watchdog fires unless pinged (monotonic seconds; nil: no watchdog armed).
        var watchdogDue: Double?
        /// The watchdog interval the process asked for with `WATCHDOG_USEC=`
        /// (nil: the spec's `watchdog`).
        var watchdogInterval: Double?
        /// Its last sd_notify `STATUS=` text.
        var statusText: String?

        init(pid: Int32, pgid: Int32, startedAt: Double) {
            self.pid = pid
            self.pgid = pgid
            self.startedAt = startedAt
        }
    }

    /// The public state of SPEC section 4.
    var state: ServiceState {
        switch self {
        case .created: .created
        case .disabled: .disabled
        case .waiting, .launching: .waiting
        case .preStarting, .starting: .starting
        case .running(let run): run.paused ? .paused : run.reloading ? .reloading : .running
        case .stopping, .draining: .stopping
        case .deciding(_, let outcome): Down.after(outcome).state
        case .down(let down): down.state
        }
    }

    /// The run whose process is alive (running or stopping).
    var run: Run? {
        switch self {
        case .starting(let run), .running(let run), .stopping(let run, _): run
        default: nil
        }
    }

    /// The process group something of the service may still live in.
    var pgid: Int32? {
        switch self {
        case .starting(let run), .running(let run), .stopping(let run, _): run.pgid
        case .draining(let pgid, _): pgid
        default: nil
        }
    }

    /// A process runs, is being stopped or drained, or is being spawned
    /// (its `pre_start` commands included).
    var isActive: Bool {
        switch self {
        case .preStarting, .launching, .starting, .running, .stopping, .draining: true
        case .created, .disabled, .waiting, .deciding, .down: false
        }
    }
}
