/// What a service is: everything `ppm.service{...}` declares, as plain data.
///
/// Lua functions (hooks, policy functions) are not part of the spec; the
/// script layer keeps them and the core reaches them through `SupervisorHooks`.
public struct ServiceSpec: Sendable, Equatable {
    public var name: String
    public var cmd: [String]
    public var dir: String?
    public var env: [String: String] = [:]
    /// `env_file`: KEY=VALUE files read at each start (absolute once the
    /// config is read; a leading `-` lets the file be missing). `env` wins
    /// over them, later files over earlier ones.
    public var envFile: [String] = []
    public var cleanEnv = false
    /// `secret_env`: variables whose values only the local owner may see
    /// (besides those named like a password, secret, token or key).
    public var secretEnv: [String] = []
    public var user: String?
    public var group: String?
    /// `no_new_privs`: the service and its children cannot gain privileges
    /// through exec (setuid programs, file capabilities).
    public var noNewPrivs = false
    public var stdin: String?
    public var stdout: String?
    public var stderr: String?
    public var ulimit: [ResourceLimit] = []
    public var nice: Int?
    public var cpu: [Int] = []
    public var requires: [String] = []
    /// What it waits for in each service it requires, where the map form of
    /// `requires` names it (otherwise `ready`, or `succeeded` for a `once` job).
    public var requireConditions: [String: RequireCondition] = [:]
    /// `ready =`: how it tells that it is ready.
    public var ready: ReadySpec = .started
    /// `ready_timeout`: seconds from spawn to readiness before the start counts as failed.
    public var readyTimeout: Double = ServiceSpec.defaultReadyTimeout
    /// `ready_every`: seconds between two readiness probes.
    public var readyEvery: Double = ServiceSpec.defaultReadyEvery
    /// 60 s.
    public static let defaultReadyTimeout: Double = 60
    /// 0.5 s.
    public static let defaultReadyEvery: Double = 0.5
    /// `health =`: the check run while it is ready.
    public var health: HealthSpec?
    /// `watchdog`: with `ready = "notify"`, seconds without `WATCHDOG=1` that make it unhealthy.
    public var watchdog: Double?
    public var groups: [String] = []
    public var autostart = true
    public var startAfter: Double = 0
    public var once = false
    public var wait = false
    public var disabled = false
    public var depends: [String] = []
    public var bounce: Double?
    /// The first signal of a stop (of the ladder, when `stopLadder` is one).
    public var stopSignal: Int32 = Signal.term.rawValue
    /// `stop_timeout`: seconds from the stop signal to SIGKILL; with a
    /// ladder, the wait of a last step that names none (nil: the daemon's).
    public var stopTimeout: Double?
    /// `stop_signal` as a list (SPEC 10): each signal with the wait after
    /// it, SIGKILL after the last; empty when it is one signal. Read it
    /// through `stopSteps(defaultTimeout:)`.
    public var stopLadder: [StopStep] = []
    /// `stop_cmd`: run instead of the first stop signal (systemd `ExecStop`);
    /// the ladder goes on when the service outlives the first wait.
    public var stopCmd: [String]?
    /// `pre_start`: commands run in order before each start; one that fails
    /// is a `spawn_failed` (systemd `ExecStartPre`).
    public var preStart: [[String]] = []
    /// `post_stop`: commands run in order after each exit, whatever the
    /// outcome; a failure is journaled (systemd `ExecStopPost`).
    public var postStop: [[String]] = []
    /// `start_timeout`: seconds the `pre_start` commands may take together.
    public var startTimeout: Double = ServiceSpec.defaultStartTimeout
    /// 60 s.
    public static let defaultStartTimeout: Double = 60
    public var restart: RestartPolicy = .onFailure
    /// Rotation size of captured output in bytes (nil: the daemon's setting).
    public var logMaxSize: Int?
    /// Rotated files kept (nil: the daemon's setting).
    public var logKeep: Int?
    /// Timestamps on captured lines (nil: the daemon's setting).
    public var logTimestamps: Bool?
    /// Names of the fields that held Lua functions (`on_exit`, `restart`…).
    public var scriptedFields: [String] = []

    public init(name: String, cmd: [String]) {
        self.name = name
        self.cmd = cmd
    }
}

/// How a service's exits are answered when no hook decides.
public enum RestartPolicy: String, Sendable, Equatable {
    case onFailure = "on-failure"
    case always
    case never
    /// A Lua policy function decides; the script layer holds it.
    case function
}

/// One `ulimit` entry: a resource name as prlimit spells it, soft and hard
/// values (nil = infinity).
public struct ResourceLimit: Sendable, Equatable {
    public var name: String
    public var soft: UInt64?
    public var hard: UInt64?
    public init(name: String, soft: UInt64?, hard: UInt64?) {
        self.name = name
        self.soft = soft
        self.hard = hard
    }

    /// Resource names and their RLIMIT_* numbers on Linux.
    public static let resources: [String: Int32] = [
        "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5,
        "nproc": 6, "nofile": 7, "memlock": 8, "as": 9, "locks": 10,
        "sigpending": 11, "msgqueue": 12, "nice": 13, "rtprio": 14, "rttime": 15,
    ]
}
