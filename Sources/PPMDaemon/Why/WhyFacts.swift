import PPMMachine
import PPMRuntime

/// What `why NAME` reads, gathered on the loop in one go: the service's
/// live state, what it requires, its recent journal entries and the last
/// control request that acted on it. `WhyExplainer` turns it into the
/// answer without reading anything else (so it is tested on made-up facts).
struct WhyFacts {
    /// One service it requires, as the dependent sees it.
    struct Requirement {
        var name: String
        /// What the dependent waits for (`started`, `ready`, `healthy`, `succeeded`).
        var condition: RequireCondition
        /// Its state now (nil: not declared).
        var state: ServiceState?
        var health: Health?
        /// The message of its last probe (while it starts or is checked).
        var probeMessage: String?
        /// Whether the condition holds now.
        var met: Bool
        /// Why it can never hold (it went `fatal`, a job that had to succeed crashed…); nil while it may.
        var never: String?
    }

    /// The service now.
    var service: ServiceSnapshot
    /// Its `requires`, in the order the spec names them.
    var requirements: [Requirement] = []
    /// Its journal entries (and the daemon's that name it), oldest first.
    var events: [JournalEntry] = []
    /// The last `start`/`stop`/`restart`/`signal` a client asked of it.
    var lastRequest: ControlRequestLog.Entry?
    /// The required services that were stopped on request (it went down with them).
    var heldRequirements: [String] = []
    /// Now, unix time.
    var now: Double
    /// The daemon's settings (backoff, spawn attempts).
    var settings = SupervisorSettings()

    /// The last `count` entries of `type`, newest first.
    func last(_ type: String, _ count: Int = 1) -> [JournalEntry] {
        Array(events.reversed().lazy.filter { $0.type == type }.prefix(count))
    }
}

extension WhyFacts.Requirement {
    /// `db to be ready`, `migrate to succeed`.
    var wanted: String {
        switch condition {
        case .started: "\(name) to start"
        case .ready: "\(name) to be ready"
        case .healthy: "\(name) to be healthy"
        case .succeeded: "\(name) to succeed"
        }
    }

    /// What it is doing now: `db is starting (not ready yet: connection refused)`.
    var now: String {
        guard let state else { return "\(name) is not declared" }
        var text = "\(name) is \(state.rawValue)"
        if state == .running, let health { text += " and \(health.rawValue)" }
        if let probeMessage, state == .starting || health == .unhealthy {
            text += " (\(state == .starting ? "not ready yet: " : "")\(WhyExplainer.oneLine(probeMessage)))"
        }
        return text
    }

    /// The requirement as `why --json` lists it.
    var json: JSONValue {
        .object([
            "name": .string(name), "condition": .string(condition.rawValue), "state": .init(state?.rawValue),
            "health": .init(health?.rawValue), "met": .bool(met), "possible": .bool(never == nil), "never": .init(never),
        ])
    }
}
