import LuaKit
import PPMMachine

/// Reads SPEC 10's fields for what runs around a service's process: the
/// `stop_signal` ladder, `stop_timeout`, `stop_cmd`, `pre_start`,
/// `post_stop` and `start_timeout`, with one-line errors naming the field.
///
/// A command is a string, run by `/bin/sh -c` (as `ready = {exec = …}`),
/// or an array of strings: the program and its arguments. `pre_start` and
/// `post_stop` take one command or a list of them.
struct StoppingReader {
    let field: FieldReader

    /// How a ladder is written, for errors.
    static let ladderExample = #"{ "QUIT", "5s", "TERM", "10s" }"#

    func read(_ t: LuaTable, into spec: inout ServiceSpec) throws {
        if let v = t.entries["stop_signal"] { try stopSignal(v, into: &spec) }
        spec.stopTimeout = try field.duration(t["stop_timeout"], "stop_timeout")
        if spec.stopTimeout != nil, let last = spec.stopLadder.last, last.wait != nil {
            throw field.error(
                "'stop_timeout' is not used: every signal of the 'stop_signal' ladder has its wait (leave the last one out to use stop_timeout)")
        }
        spec.stopCmd = try command(t["stop_cmd"], "stop_cmd")
        spec.preStart = try commands(t["pre_start"], "pre_start")
        spec.postStop = try commands(t["post_stop"], "post_stop")
        if let timeout = try field.duration(t["start_timeout"], "start_timeout") {
            guard timeout > 0 else { throw field.error("'start_timeout' must be more than 0") }
            guard !spec.preStart.isEmpty else {
                throw field.error("'start_timeout' bounds the 'pre_start' commands and there are none (readiness has 'ready_timeout')")
            }
            spec.startTimeout = timeout
        }
    }

    /// `stop_signal = "TERM"` or a ladder `{ SIGNAL, WAIT, SIGNAL, WAIT… }`
    /// (the last wait may be left out: `stop_timeout` then). A final `KILL`
    /// is dropped: SIGKILL follows the last wait anyway.
    private func stopSignal(_ v: LuaValue, into spec: inout ServiceSpec) throws {
        guard case .table(let list) = v else { return spec.stopSignal = try field.signal(v, "stop_signal") }
        guard list.isSequence, !list.sequence.isEmpty else {
            throw field.error("'stop_signal' must be a signal or a ladder such as \(Self.ladderExample)")
        }
        var steps: [StopStep] = []
        for (index, item) in list.sequence.enumerated() {
            if index % 2 == 0 {
                if steps.last?.signal == Signal.kill.rawValue {
                    throw field.error("'stop_signal': KILL ends the ladder; nothing may follow it")
                }
                steps.append(StopStep(signal: try ladderSignal(item, at: index), wait: nil))
            } else {
                steps[steps.count - 1].wait = try ladderWait(item, after: steps[steps.count - 1].signal)
            }
        }
        if steps.count > 1, steps.last?.signal == Signal.kill.rawValue, steps.last?.wait == nil { steps.removeLast() }
        if steps.last?.signal == Signal.kill.rawValue, steps.last?.wait != nil, steps.count > 1 {
            throw field.error("'stop_signal': KILL ends the ladder; nothing may follow it")
        }
        spec.stopSignal = steps[0].signal
        spec.stopLadder = steps.count == 1 && steps[0].wait == nil ? [] : steps
    }

    private func ladderSignal(_ item: LuaValue, at index: Int) throws -> Int32 {
        switch item {
        case .string, .integer: return try field.signal(item, "stop_signal")
        default:
            throw field.error("'stop_signal': item \(index + 1) must be a signal (a ladder alternates signals and waits: \(Self.ladderExample))")
        }
    }

    private func ladderWait(_ item: LuaValue, after signal: Int32) throws -> Double {
        if case .string(let text) = item, Signals.number(text) != nil, Durations.seconds(text) == nil {
            throw field.error(
                "'stop_signal': a wait must follow \(Signals.name(signal)) before \(text) (a ladder alternates signals and waits: \(Self.ladderExample))"
            )
        }
        guard let wait = try field.duration(item, "stop_signal") else { throw field.error("'stop_signal': a wait is missing") }
        return wait
    }

    /// One command: a string for `/bin/sh -c`, or the program and its arguments.
    func command(_ v: LuaValue, _ name: String) throws -> [String]? {
        switch v {
        case .nil: return nil
        case .string(let text):
            guard !text.allSatisfy(\.isWhitespace) else { throw field.error("'\(name)' is empty") }
            return ["/bin/sh", "-c", text]
        case .table(let t) where t.isSequence && !t.sequence.isEmpty:
            let words = try t.sequence.map { word in
                guard case .string(let s) = word else {
                    throw field.error("'\(name)' must be a string or an array of strings, found \(word.typeName)")
                }
                return s
            }
            guard !words[0].isEmpty else { throw field.error("'\(name)' has an empty program") }
            return words
        default:
            throw field.error("'\(name)' must be a command: a string (run by /bin/sh -c) or an array of strings")
        }
    }

    /// One command, or a list of them (each a string or an array of strings).
    func commands(_ v: LuaValue, _ name: String) throws -> [[String]] {
        switch v {
        case .nil: return []
        case .string: return [try command(v, name)!]
        case .table(let t) where t.isSequence && !t.sequence.isEmpty:
            return try t.sequence.enumerated().map { index, item in
                if case .string(let text) = item, text.hasPrefix("-") {
                    throw field.error(
                        "'\(name)' is a list of commands and \"\(ConfigErrors.clip(text))\" is not one; "
                            + "for one program with arguments write { { \"/bin/prog\", \"\(ConfigErrors.clip(text))\" } } or a string")
                }
                guard let cmd = try command(item, "\(name)[\(index + 1)]") else { throw field.error("'\(name)' has a nil item") }
                return cmd
            }
        default:
            throw field.error("'\(name)' must be a command (a string run by /bin/sh -c, or an array of strings) or a list of them")
        }
    }
}
