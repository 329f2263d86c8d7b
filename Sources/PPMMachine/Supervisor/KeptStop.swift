/// A stop under way when the daemon re-executed (`ppm-lua upgrade`, the
/// watchdog): the next image carries it on (the step of the stop ladder it
/// had reached and what follows it) instead of taking the run as running.
package struct KeptStop: Sendable, Equatable {
    /// What follows the stop: `hold`, `restart`, `remove`, `give_up` or `fail:MESSAGE`.
    package var then: String
    /// The step of the stop ladder reached (0: the first signal or `stop_cmd`).
    package var step: Int
    /// Seconds since the stop began.
    package var elapsed: Double

    /// As the handover writes it.
    package var json: JSONValue { .object(["then": .string(then), "step": .init(step), "elapsed": .double(elapsed)]) }

    /// Reads what `json` wrote; nil when it is no such object or out of range.
    package init?(json: JSONValue) {
        guard let then = json["then"]?.stringValue, Self.afterStop(then) != nil,
            let step = json["step"]?.intValue, (0...64).contains(step),
            let elapsed = json["elapsed"]?.doubleValue, elapsed.isFinite, elapsed >= 0
        else { return nil }
        self.then = then
        self.step = Int(step)
        self.elapsed = elapsed
    }

    init(_ after: Phase.AfterStop, step: Int, elapsed: Double) {
        switch after {
        case .hold: then = "hold"
        case .restart: then = "restart"
        case .remove: then = "remove"
        case .giveUp: then = "give_up"
        case .fail(let message): then = "fail:" + message
        }
        self.step = step
        self.elapsed = max(0, elapsed)
    }

    /// What follows the stop, as the phase says it.
    var afterStop: Phase.AfterStop? { Self.afterStop(then) }

    private static func afterStop(_ text: String) -> Phase.AfterStop? {
        switch text {
        case "hold": .hold
        case "restart": .restart
        case "remove": .remove
        case "give_up": .giveUp
        default: text.hasPrefix("fail:") ? .fail(String(text.dropFirst(5))) : nil
        }
    }
}
