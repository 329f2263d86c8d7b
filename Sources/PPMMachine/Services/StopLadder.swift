/// One step of a stop ladder (SPEC 10, `stop_signal = { "QUIT", "5s", "TERM", "10s" }`):
/// a signal to the service's group, then how long to wait before the next
/// step (SIGKILL after the last).
package struct StopStep: Sendable, Equatable {
    /// The signal sent.
    package var signal: Int32
    /// Seconds to wait after it; nil: the service's `stop_timeout` (or the
    /// daemon's), allowed for the last step only.
    package var wait: Double?

    package init(signal: Int32, wait: Double?) {
        self.signal = signal
        self.wait = wait
    }
}

extension ServiceSpec {
    /// How the service is stopped, every wait resolved: its `stop_signal`
    /// ladder, or its one stop signal with `stop_timeout` (`defaultTimeout`
    /// where it sets none). SIGKILL follows the last step. With `stop_cmd`,
    /// the command runs instead of the first step's signal.
    package func stopSteps(defaultTimeout: Double) -> [StopStep] {
        let fallback = stopTimeout ?? defaultTimeout
        guard !stopLadder.isEmpty else { return [StopStep(signal: stopSignal, wait: fallback)] }
        return stopLadder.map { StopStep(signal: $0.signal, wait: $0.wait ?? fallback) }
    }

    /// The ladder as `stop_signal` is written in a config: `{ "QUIT", 5, "TERM" }`
    /// (names, and waits as numbers of seconds); nil when it is one signal.
    package var stopLadderJSON: JSONValue? {
        guard !stopLadder.isEmpty else { return nil }
        return .array(
            stopLadder.flatMap { step -> [JSONValue] in
                [.string(Signals.name(step.signal))] + (step.wait.map { [.double($0)] } ?? [])
            })
    }

    /// Reads back `stopLadderJSON` (persisted run-time services); nil when
    /// the value is not a ladder.
    package static func stopLadder(json: JSONValue) -> [StopStep]? {
        guard let items = json.arrayValue, !items.isEmpty else { return nil }
        var steps: [StopStep] = []
        for item in items {
            if let name = item.stringValue {
                guard let number = Signals.number(name) else { return nil }
                steps.append(StopStep(signal: number, wait: nil))
            } else if let wait = item.doubleValue, let last = steps.indices.last, steps[last].wait == nil {
                steps[last].wait = wait
            } else {
                return nil
            }
        }
        return steps
    }
}
