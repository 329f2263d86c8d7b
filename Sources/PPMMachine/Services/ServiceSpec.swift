/// What a service is: everything `ppm.service{...}` declares, as plain data.
///
/// Lua functions (hooks, policy functions) are not part of the spec; the
/// script layer keeps them and the core reaches them through `SupervisorHooks`.
package struct ServiceSpec: Sendable, Equatable {
    package var name: String
    package var cmd: [String]
    package var dir: String?
    package var env: [String: String] = [:]
    /// `env_file`: KEY=VALUE files read at each start (absolute once the
    /// config is read; a leading `-` lets the file be missing). `env` wins
    /// over them, later files over earlier ones.
    package var envFile: [String] = []
    package var cleanEnv = false
    /// `secret_env`: variables whose values only the local owner may see
    /// (besides those named like a password, secret, token or key).
    package var secretEnv: [String] = []
    package var user: String?
    package var group: String?
    /// `no_new_privs`: the service and its children cannot gain privileges
    /// through exec (setuid programs, file capabilities).
    package var noNewPrivs = false
    package var stdin: String?
    package var stdout: String?
    package var stderr: String?
    package var ulimit: [ResourceLimit] = []
    package var nice: Int?
    package var cpu: [Int] = []
    /// `memory_max`, `memory_high`, `cpu_max`, `pids_max`, `io_weight` (SPEC 10).
    package var limits = CgroupLimits()
    package var requires: [String] = []
    /// What it waits for in each service it requires, where the map form of
    /// `requires` names it (otherwise `ready`, or `succeeded` for a `once` job).
    package var requireConditions: [String: RequireCondition] = [:]
    /// `ready =`: how it tells that it is ready.
    package var ready: ReadySpec = .started
    /// `ready_timeout`: seconds from spawn to readiness before the start counts as failed.
    package var readyTimeout: Double = ServiceSpec.defaultReadyTimeout
    /// `ready_every`: seconds between two readiness probes.
    package var readyEvery: Double = ServiceSpec.defaultReadyEvery
    /// 60 s.
    package static let defaultReadyTimeout: Double = 60
    /// 0.5 s.
    package static let defaultReadyEvery: Double = 0.5
    /// `health =`: the check run while it is ready.
    package var health: HealthSpec?
    /// `watchdog`: with `ready = "notify"`, seconds without `WATCHDOG=1` that make it unhealthy.
    package var watchdog: Double?
    package var groups: [String] = []
    package var autostart = true
    package var startAfter: Double = 0
    package var once = false
    package var wait = false
    package var disabled = false
    package var depends: [String] = []
    package var bounce: Double?
    /// The first signal of a stop (of the ladder, when `stopLadder` is one).
    package var stopSignal: Int32 = Signal.term.rawValue
    /// `stop_timeout`: seconds from the stop signal to SIGKILL; with a
    /// ladder, the wait of a last step that names none (nil: the daemon's).
    package var stopTimeout: Double?
    /// `stop_signal` as a list (SPEC 10): each signal with the wait after
    /// it, SIGKILL after the last; empty when it is one signal. Read it
    /// through `stopSteps(defaultTimeout:)`.
    package var stopLadder: [StopStep] = []
    /// `stop_cmd`: run instead of the first stop signal (systemd `ExecStop`);
    /// the ladder goes on when the service outlives the first wait.
    package var stopCmd: [String]?
    /// `pre_start`: commands run in order before each start; one that fails
    /// is a `spawn_failed` (systemd `ExecStartPre`).
    package var preStart: [[String]] = []
    /// `post_stop`: commands run in order after each exit, whatever the
    /// outcome; a failure is journaled (systemd `ExecStopPost`).
    package var postStop: [[String]] = []
    /// `start_timeout`: seconds the `pre_start` commands may take together.
    package var startTimeout: Double = ServiceSpec.defaultStartTimeout
    /// 60 s.
    package static let defaultStartTimeout: Double = 60
    package var restart: RestartPolicy = .onFailure
    /// Rotation size of captured output in bytes (nil: the daemon's setting).
    package var logMaxSize: Int?
    /// Rotated files kept (nil: the daemon's setting).
    package var logKeep: Int?
    /// Timestamps on captured lines (nil: the daemon's setting).
    package var logTimestamps: Bool?
    /// `forward`: where this service's lines go besides its log files
    /// (nil: the daemon's setting; `.off`: nowhere).
    package var forward: ForwardMode?
    /// `instances = N` (SPEC 10): the declared spec is a template of N
    /// copies `NAME@1` … `NAME@N`; nil for a single service.
    package var instances: Int?
    /// The number of this copy of a template (`web@2`: 2); nil otherwise.
    package var instance: Int?
    /// Names of the fields that held Lua functions (`on_exit`, `restart`…).
    package var scriptedFields: [String] = []

    package init(name: String, cmd: [String]) {
        self.name = name
        self.cmd = cmd
    }
}
