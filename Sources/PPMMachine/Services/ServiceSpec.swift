/// What a service is: everything `ppm.service{...}` declares, as plain data.
///
/// Lua functions (hooks, policy functions) are not part of the spec; the
/// script layer keeps them and the core reaches them through `SupervisorHooks`.
///
/// A value with one shared storage (`ServiceSpec.Values`, copied on write):
/// the supervisor, the config, the spawner and the store each hold the same
/// spec of every service, a reference each rather than 600 bytes each.
package struct ServiceSpec: Sendable, Equatable {
    private var storage: Storage

    package init(name: String, cmd: [String]) {
        storage = Storage(Values(name: name, cmd: cmd))
    }

    /// The storage, copied first when another spec shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.values) }
        return storage
    }

    package static func == (a: ServiceSpec, b: ServiceSpec) -> Bool {
        a.storage === b.storage || a.storage.values == b.storage.values
    }

    package var name: String {
        get { storage.values.name }
        _modify { yield &unique().values.name }
    }
    package var cmd: [String] {
        get { storage.values.cmd }
        _modify { yield &unique().values.cmd }
    }
    package var dir: String? {
        get { storage.values.dir }
        _modify { yield &unique().values.dir }
    }
    package var env: [String: String] {
        get { storage.values.env }
        _modify { yield &unique().values.env }
    }
    /// `env_file`: KEY=VALUE files read at each start (absolute once the
    /// config is read; a leading `-` lets the file be missing). `env` wins
    /// over them, later files over earlier ones.
    package var envFile: [String] {
        get { storage.values.envFile }
        _modify { yield &unique().values.envFile }
    }
    package var cleanEnv: Bool {
        get { storage.values.cleanEnv }
        _modify { yield &unique().values.cleanEnv }
    }
    /// `secret_env`: variables whose values only the local owner may see
    /// (besides those named like a password, secret, token or key).
    package var secretEnv: [String] {
        get { storage.values.secretEnv }
        _modify { yield &unique().values.secretEnv }
    }
    package var user: String? {
        get { storage.values.user }
        _modify { yield &unique().values.user }
    }
    package var group: String? {
        get { storage.values.group }
        _modify { yield &unique().values.group }
    }
    /// `no_new_privs`: the service and its children cannot gain privileges
    /// through exec (setuid programs, file capabilities).
    package var noNewPrivs: Bool {
        get { storage.values.noNewPrivs }
        _modify { yield &unique().values.noNewPrivs }
    }
    package var stdin: String? {
        get { storage.values.stdin }
        _modify { yield &unique().values.stdin }
    }
    package var stdout: String? {
        get { storage.values.stdout }
        _modify { yield &unique().values.stdout }
    }
    package var stderr: String? {
        get { storage.values.stderr }
        _modify { yield &unique().values.stderr }
    }
    package var ulimit: [ResourceLimit] {
        get { storage.values.ulimit }
        _modify { yield &unique().values.ulimit }
    }
    package var nice: Int? {
        get { storage.values.nice }
        _modify { yield &unique().values.nice }
    }
    package var cpu: [Int] {
        get { storage.values.cpu }
        _modify { yield &unique().values.cpu }
    }
    /// `memory_max`, `memory_high`, `cpu_max`, `pids_max`, `io_weight` (SPEC 10).
    package var limits: CgroupLimits {
        get { storage.values.limits }
        _modify { yield &unique().values.limits }
    }
    package var requires: [String] {
        get { storage.values.requires }
        _modify { yield &unique().values.requires }
    }
    /// What it waits for in each service it requires, where the map form of
    /// `requires` names it (otherwise `ready`, or `succeeded` for a `once` job).
    package var requireConditions: [String: RequireCondition] {
        get { storage.values.requireConditions }
        _modify { yield &unique().values.requireConditions }
    }
    /// `ready =`: how it tells that it is ready.
    package var ready: ReadySpec {
        get { storage.values.ready }
        _modify { yield &unique().values.ready }
    }
    /// `ready_timeout`: seconds from spawn to readiness before the start counts as failed.
    package var readyTimeout: Double {
        get { storage.values.readyTimeout }
        _modify { yield &unique().values.readyTimeout }
    }
    /// `ready_every`: seconds between two readiness probes.
    package var readyEvery: Double {
        get { storage.values.readyEvery }
        _modify { yield &unique().values.readyEvery }
    }
    /// `health =`: the check run while it is ready.
    package var health: HealthSpec? {
        get { storage.values.health }
        _modify { yield &unique().values.health }
    }
    /// `watchdog`: with `ready = "notify"`, seconds without `WATCHDOG=1` that make it unhealthy.
    package var watchdog: Double? {
        get { storage.values.watchdog }
        _modify { yield &unique().values.watchdog }
    }
    package var groups: [String] {
        get { storage.values.groups }
        _modify { yield &unique().values.groups }
    }
    package var autostart: Bool {
        get { storage.values.autostart }
        _modify { yield &unique().values.autostart }
    }
    package var startAfter: Double {
        get { storage.values.startAfter }
        _modify { yield &unique().values.startAfter }
    }
    package var once: Bool {
        get { storage.values.once }
        _modify { yield &unique().values.once }
    }
    package var wait: Bool {
        get { storage.values.wait }
        _modify { yield &unique().values.wait }
    }
    package var disabled: Bool {
        get { storage.values.disabled }
        _modify { yield &unique().values.disabled }
    }
    package var depends: [String] {
        get { storage.values.depends }
        _modify { yield &unique().values.depends }
    }
    package var bounce: Double? {
        get { storage.values.bounce }
        _modify { yield &unique().values.bounce }
    }
    /// The first signal of a stop (of the ladder, when `stopLadder` is one).
    package var stopSignal: Int32 {
        get { storage.values.stopSignal }
        _modify { yield &unique().values.stopSignal }
    }
    /// `stop_timeout`: seconds from the stop signal to SIGKILL; with a
    /// ladder, the wait of a last step that names none (nil: the daemon's).
    package var stopTimeout: Double? {
        get { storage.values.stopTimeout }
        _modify { yield &unique().values.stopTimeout }
    }
    /// `stop_signal` as a list (SPEC 10): each signal with the wait after
    /// it, SIGKILL after the last; empty when it is one signal. Read it
    /// through `stopSteps(defaultTimeout:)`.
    package var stopLadder: [StopStep] {
        get { storage.values.stopLadder }
        _modify { yield &unique().values.stopLadder }
    }
    /// `stop_cmd`: run instead of the first stop signal (systemd `ExecStop`);
    /// the ladder goes on when the service outlives the first wait.
    package var stopCmd: [String]? {
        get { storage.values.stopCmd }
        _modify { yield &unique().values.stopCmd }
    }
    /// `pre_start`: commands run in order before each start; one that fails
    /// is a `spawn_failed` (systemd `ExecStartPre`).
    package var preStart: [[String]] {
        get { storage.values.preStart }
        _modify { yield &unique().values.preStart }
    }
    /// `post_stop`: commands run in order after each exit, whatever the
    /// outcome; a failure is journaled (systemd `ExecStopPost`).
    package var postStop: [[String]] {
        get { storage.values.postStop }
        _modify { yield &unique().values.postStop }
    }
    /// `start_timeout`: seconds the `pre_start` commands may take together.
    package var startTimeout: Double {
        get { storage.values.startTimeout }
        _modify { yield &unique().values.startTimeout }
    }
    package var restart: RestartPolicy {
        get { storage.values.restart }
        _modify { yield &unique().values.restart }
    }
    /// Rotation size of captured output in bytes (nil: the daemon's setting).
    package var logMaxSize: Int? {
        get { storage.values.logMaxSize }
        _modify { yield &unique().values.logMaxSize }
    }
    /// Rotated files kept (nil: the daemon's setting).
    package var logKeep: Int? {
        get { storage.values.logKeep }
        _modify { yield &unique().values.logKeep }
    }
    /// Timestamps on captured lines (nil: the daemon's setting).
    package var logTimestamps: Bool? {
        get { storage.values.logTimestamps }
        _modify { yield &unique().values.logTimestamps }
    }
    /// `forward`: where this service's lines go besides its log files
    /// (nil: the daemon's setting; `.off`: nowhere).
    package var forward: ForwardMode? {
        get { storage.values.forward }
        _modify { yield &unique().values.forward }
    }
    /// `instances = N` (SPEC 10): the declared spec is a template of N
    /// copies `NAME@1` … `NAME@N`; nil for a single service.
    package var instances: Int? {
        get { storage.values.instances }
        _modify { yield &unique().values.instances }
    }
    /// The number of this copy of a template (`web@2`: 2); nil otherwise.
    package var instance: Int? {
        get { storage.values.instance }
        _modify { yield &unique().values.instance }
    }
    /// Names of the fields that held Lua functions (`on_exit`, `restart`…).
    package var scriptedFields: [String] {
        get { storage.values.scriptedFields }
        _modify { yield &unique().values.scriptedFields }
    }
    /// 60 s.
    package static let defaultReadyTimeout: Double = 60
    /// 0.5 s.
    package static let defaultReadyEvery: Double = 0.5
    /// 60 s.
    package static let defaultStartTimeout: Double = 60
}
