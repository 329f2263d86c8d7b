extension ServiceSpec {
    /// The spec's fields, stored once for every copy of a spec that has not
    /// changed since (see `ServiceSpec` for what each means).
    struct Values: Sendable, Equatable {
        var name: String
        var cmd: [String]
        var dir: String?
        var env: [String: String] = [:]
        var envFile: [String] = []
        var cleanEnv: Bool = false
        var secretEnv: [String] = []
        var user: String?
        var group: String?
        var noNewPrivs: Bool = false
        var stdin: String?
        var stdout: String?
        var stderr: String?
        var ulimit: [ResourceLimit] = []
        var nice: Int?
        var cpu: [Int] = []
        var limits: CgroupLimits = CgroupLimits()
        var requires: [String] = []
        var requireConditions: [String: RequireCondition] = [:]
        var ready: ReadySpec = .started
        var readyTimeout: Double = ServiceSpec.defaultReadyTimeout
        var readyEvery: Double = ServiceSpec.defaultReadyEvery
        var health: HealthSpec?
        var watchdog: Double?
        var groups: [String] = []
        var autostart: Bool = true
        var startAfter: Double = 0
        var once: Bool = false
        var wait: Bool = false
        var disabled: Bool = false
        var depends: [String] = []
        var bounce: Double?
        var stopSignal: Int32 = Signal.term.rawValue
        var stopTimeout: Double?
        var stopLadder: [StopStep] = []
        var stopCmd: [String]?
        var preStart: [[String]] = []
        var postStop: [[String]] = []
        var startTimeout: Double = ServiceSpec.defaultStartTimeout
        var restart: RestartPolicy = .onFailure
        var logMaxSize: Int?
        var logKeep: Int?
        var logTimestamps: Bool?
        var forward: ForwardMode?
        var instances: Int?
        var instance: Int?
        var scriptedFields: [String] = []

        init(name: String, cmd: [String]) {
            self.name = name
            self.cmd = cmd
        }
    }

    /// The one place a spec's values live; never changed while two specs
    /// share it (`unique()` copies it first), which is what makes it safe
    /// to send.
    final class Storage: @unchecked Sendable {
        var values: Values

        init(_ values: Values) { self.values = values }
    }
}
