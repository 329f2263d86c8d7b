package import PPMMachine

/// One request line: `{"id": 1, "cmd": "ls", "args": {...}}` (SPEC 7).
package struct ControlRequest: Sendable {
    /// Echoed in the reply (null when the request had none).
    package var id: JSONValue
    /// The command, e.g. `ls`.
    package var cmd: String
    /// The command's arguments.
    package var args: [String: JSONValue]

    /// A request; `id` is echoed in the reply.
    package init(id: JSONValue = .int(1), cmd: String, args: [String: JSONValue] = [:]) {
        self.id = id
        self.cmd = cmd
        self.args = args
    }

    /// Parses a line; the error names what is wrong with it.
    package static func parse(_ line: String) -> Result<ControlRequest, ControlFailure> {
        let json: JSONValue
        do { json = try JSONValue.parse(line) } catch { return .failure(ControlFailure("malformed request: not JSON (\(error))")) }
        guard let object = json.objectValue else { return .failure(ControlFailure("malformed request: not a JSON object")) }
        guard let cmd = object["cmd"]?.stringValue else { return .failure(ControlFailure("malformed request: missing \"cmd\" string")) }
        let args: [String: JSONValue]
        switch object["args"] {
        case nil, .null?: args = [:]
        case .object(let a)?: args = a
        default: return .failure(ControlFailure("malformed request: \"args\" must be an object"))
        }
        return .success(ControlRequest(id: object["id"] ?? .null, cmd: cmd, args: args))
    }

    /// The request as one line of JSON (without the newline).
    package var line: String {
        JSONValue.object(["id": id, "cmd": .string(cmd), "args": .object(args)]).text
    }

    /// A string argument.
    package func string(_ key: String) -> String? { args[key]?.stringValue }
    /// An integer argument.
    package func int(_ key: String) -> Int? { args[key]?.intValue.map { Int($0) } }
    /// A boolean argument (false when missing).
    package func bool(_ key: String) -> Bool { args[key]?.boolValue ?? false }
    /// A list of strings argument (empty when missing).
    package func strings(_ key: String) -> [String] { args[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
}
