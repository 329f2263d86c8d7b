/// SPEC 10's stop ladder and commands in a spec's JSON (`show`, `check
/// --json`, `ppm.get(name).spec`, persisted run-time services, `export`):
/// written as `ppm.service{}` takes them, defaults left out. A command of
/// `/bin/sh -c TEXT` is written as TEXT, any other as its words.
extension SpecJSON {
    /// The fields at their defaults, for `full` (`check --json`).
    static let stoppingDefaults: [String: JSONValue] = [
        "stop_signal": .string("TERM"), "stop_timeout": .null, "stop_cmd": .null, "pre_start": .array([]),
        "post_stop": .array([]), "start_timeout": .double(ServiceSpec.defaultStartTimeout),
    ]

    static func encodeStopping(_ spec: ServiceSpec, into o: inout [String: JSONValue]) {
        if let ladder = spec.stopLadderJSON {
            o["stop_signal"] = ladder
        } else if spec.stopSignal != Signal.term.rawValue {
            o["stop_signal"] = .string(Signals.name(spec.stopSignal))
        }
        if let v = spec.stopTimeout { o["stop_timeout"] = .double(v) }
        if let cmd = spec.stopCmd { o["stop_cmd"] = command(cmd) }
        if !spec.preStart.isEmpty { o["pre_start"] = .array(spec.preStart.map(command)) }
        if !spec.postStop.isEmpty { o["post_stop"] = .array(spec.postStop.map(command)) }
        if spec.startTimeout != ServiceSpec.defaultStartTimeout { o["start_timeout"] = .double(spec.startTimeout) }
    }

    static func decodeStopping(_ o: [String: JSONValue], into spec: inout ServiceSpec) {
        switch o["stop_signal"] {
        case .string(let name)?: spec.stopSignal = Signals.number(name) ?? Signal.term.rawValue
        case let value? where ServiceSpec.stopLadder(json: value) != nil:
            spec.stopLadder = ServiceSpec.stopLadder(json: value) ?? []
            spec.stopSignal = spec.stopLadder.first?.signal ?? Signal.term.rawValue
        default: break
        }
        spec.stopTimeout = o["stop_timeout"]?.doubleValue
        spec.stopCmd = o["stop_cmd"].flatMap(command)
        spec.preStart = o["pre_start"]?.arrayValue?.compactMap(command) ?? []
        spec.postStop = o["post_stop"]?.arrayValue?.compactMap(command) ?? []
        spec.startTimeout = o["start_timeout"]?.doubleValue ?? ServiceSpec.defaultStartTimeout
    }

    /// `"TEXT"` for `/bin/sh -c TEXT`, else the words.
    package static func command(_ cmd: [String]) -> JSONValue {
        if cmd.count == 3 && cmd[0] == "/bin/sh" && cmd[1] == "-c" { return .string(cmd[2]) }
        return .init(cmd)
    }

    /// What `command` wrote, back as the words to run.
    package static func command(_ json: JSONValue) -> [String]? {
        if let text = json.stringValue { return ["/bin/sh", "-c", text] }
        let words = json.arrayValue?.compactMap(\.stringValue) ?? []
        return words.isEmpty ? nil : words
    }
}
