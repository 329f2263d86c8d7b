import PPMCore

/// One request line: `{"id": 1, "cmd": "ls", "args": {...}}` (SPEC 7).
public struct ControlRequest: Sendable {
    public var id: JSONValue
    public var cmd: String
    public var args: [String: JSONValue]

    public init(id: JSONValue = .int(1), cmd: String, args: [String: JSONValue] = [:]) {
        self.id = id
        self.cmd = cmd
        self.args = args
    }

    /// Parses a line; the error names what is wrong with it.
    public static func parse(_ line: String) -> Result<ControlRequest, ControlFailure> {
        guard let json = try? JSONValue.parse(line) else { return .failure(ControlFailure("malformed request: not a JSON object")) }
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

    public var line: String {
        JSONValue.object(["id": id, "cmd": .string(cmd), "args": .object(args)]).text
    }

    public func string(_ key: String) -> String? { args[key]?.stringValue }
    public func int(_ key: String) -> Int? { args[key]?.intValue.map { Int($0) } }
    public func bool(_ key: String) -> Bool { args[key]?.boolValue ?? false }
    public func strings(_ key: String) -> [String] { args[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
}

/// A failed request, as the `error` of a reply.
public struct ControlFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Reply lines: `{"id": 1, "ok": true, "result": ...}` or `{"ok": false, "error": "..."}`.
public enum ControlReply {
    public static func ok(_ id: JSONValue, _ result: JSONValue) -> String {
        JSONValue.object(["id": id, "ok": .bool(true), "result": result]).text
    }

    public static func error(_ id: JSONValue, _ message: String) -> String {
        JSONValue.object(["id": id, "ok": .bool(false), "error": .string(message)]).text
    }
}
