import PPMMachine
import PPMRuntime

/// The answer to `why NAME` (SPEC 11): one paragraph, and the facts it
/// was made of for `--json` and the CLI's list of recent exits.
struct WhyAnswer {
    var name: String
    var state: ServiceState
    /// A word for the case: `backoff`, `requires`, `blocked`, `spawn_failed`,
    /// `unhealthy`, `oom`, `signal`, `held`, `disabled`… (the reference lists them all).
    var reason = ""
    /// The paragraph's sentences, in order.
    var sentences: [String] = []
    /// When it starts by itself next (unix time), while it waits for a timer.
    var nextStart: Double?
    /// Its requirements as `WhyFacts.Requirement.json` gives them.
    var requires: [JSONValue] = []
    /// Its last exits, newest first (`exit` journal entries).
    var exits: [JournalEntry] = []
    /// The messages of its last failed health checks or readiness probes, newest first.
    var probeMessages: [String] = []
    /// The control request behind a stop, if the daemon saw it.
    var request: ControlRequestLog.Entry?

    /// The paragraph.
    var text: String { sentences.joined(separator: " ") }

    /// The reply of the `why` command.
    var json: JSONValue {
        .object([
            "name": .string(name), "state": .string(state.rawValue), "reason": .string(reason), "text": .string(text),
            "next_start": .init(nextStart), "requires": .array(requires),
            "exits": .array(exits.map(Self.exitJSON)), "probe_messages": .init(probeMessages),
            "request": request.map { r in
                .object(["cmd": .string(r.cmd), "remote": .bool(r.remote), "time": .double(r.time), "signal": .init(r.signal)])
            } ?? .null,
        ])
    }

    /// An exit entry's fields that tell how it ended.
    static func exitJSON(_ e: JournalEntry) -> JSONValue {
        var o: [String: JSONValue] = ["time": .double(e.time)]
        for key in ["utc", "pid", "result", "signal", "signame", "runtime", "outcome", "oom", "cause", "error", "tail"] {
            if let v = e.fields[key] { o[key] = v }
        }
        return .object(o)
    }
}
