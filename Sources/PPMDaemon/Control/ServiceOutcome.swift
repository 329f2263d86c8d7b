import PPMMachine
import PPMRuntime
import SystemCalls

/// What a control request did to one service, as the client prints it:
/// `{"name": "web", "ok": true, "message": "stopped (pid 123, 0.2 s)", "pid": 123}`.
/// `ok` is false when the request failed for this service (the CLI then
/// exits 1, after reporting every service).
struct ServiceOutcome {
    var name: String
    var ok = true
    var message: String
    var pid: Int32?

    /// The reply item.
    var json: JSONValue {
        .object(["name": .string(name), "ok": .bool(ok), "message": .string(message), "pid": .init(pid)])
    }

    /// What a start left the service doing: running, waiting (and why), or
    /// failed to spawn. `verb` names success ("started", "restarted").
    static func started(_ s: ServiceSnapshot, verb: String) -> ServiceOutcome {
        var outcome = ServiceOutcome(name: s.name, message: s.state.rawValue, pid: s.pid)
        switch s.state {
        case .running, .paused, .reloading:
            outcome.message = "\(verb) (pid \(s.pid.map(String.init) ?? "-"))"
        case .waiting:
            if let error = s.lastError {
                outcome.ok = false
                outcome.message = "could not start: \(error)" + (s.startsIn.map { "; retrying in \(seconds($0))" } ?? "")
            } else if let blocked = s.blocked {
                outcome.message = "will not start: \(blocked)"
            } else if !s.waitingFor.isEmpty {
                outcome.message = "waiting for \(s.waitingFor.joined(separator: ", ")) to run"
            } else if let due = s.startsIn {
                outcome.message = "starting in \(seconds(due))"
            }
        case .fatal, .crashed:
            if let error = s.lastError {
                outcome.ok = false
                outcome.message = "could not start: \(error)" + (s.state == .fatal ? " (fatal)" : "")
            }
        default:
            break
        }
        return outcome
    }

    /// Why nothing had to be stopped: "already stopped", "not running (crashed)".
    static func notRunning(_ s: ServiceSnapshot) -> ServiceOutcome {
        switch s.state {
        case .stopped, .disabled, .created: ServiceOutcome(name: s.name, message: "already stopped")
        case .waiting: ServiceOutcome(name: s.name, message: "stopped (it was waiting to start)")
        default: ServiceOutcome(name: s.name, message: "not running (\(s.state.rawValue))")
        }
    }

    /// How a stop went: `stopped (pid 123, 0.2 s)`, or SIGKILL after the
    /// ladder's last wait, naming the signals (and `stop_cmd`) it outlived.
    static func stopped(_ before: ServiceSnapshot, after: ServiceSnapshot?, took: Double, verb: String = "stopped") -> ServiceOutcome {
        guard let pid = before.pid else {
            let message = before.state == .starting ? "\(verb) before it started (its pre_start was ended)" : "\(verb) (pid -, \(seconds(took)))"
            return ServiceOutcome(name: before.name, message: message)
        }
        let steps = before.spec.stopSteps(defaultTimeout: before.stopTimeout)
        let total = steps.reduce(0) { $0 + ($1.wait ?? 0) }
        let killed = after?.lastExit?.signal == 9 && before.spec.stopSignal != 9 && took >= total - 0.05
        var ignored = steps.map { Signals.name($0.signal) }
        if before.spec.stopCmd != nil { ignored[0] = "stop_cmd" }
        let message =
            killed
            ? "\(verb) with SIGKILL after \(seconds(took)) (pid \(pid) ignored \(ignored.joined(separator: ", ")))"
            : "\(verb) (pid \(pid), \(seconds(took)))"
        return ServiceOutcome(name: before.name, message: message, pid: before.pid)
    }

    /// A service about to be stopped, for the client's "still running"
    /// notices: its stop ladder with each wait, and when SIGKILL follows.
    static func stopping(_ s: ServiceSnapshot) -> JSONValue {
        let steps = s.spec.stopSteps(defaultTimeout: s.stopTimeout)
        var ladder: [JSONValue] = steps.map { .object(["step": .string(Signals.name($0.signal)), "wait": .init($0.wait)]) }
        if s.spec.stopCmd != nil { ladder[0] = .object(["step": .string("stop_cmd"), "wait": .init(steps[0].wait)]) }
        return .object([
            "name": .string(s.name), "pid": .init(s.pid), "signal": .string(Signals.name(s.spec.stopSignal)),
            "kill_after": .double(steps.reduce(0) { $0 + ($1.wait ?? 0) }), "ladder": .array(ladder),
        ])
    }

    /// "0.2 s", "12.0 s".
    static func seconds(_ s: Double) -> String { DecimalText.fixed(s, decimals: 1) + " s" }
}
