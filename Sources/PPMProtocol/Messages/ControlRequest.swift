import PPMCore

/// One request line: `{"id": 1, "cmd": "ls", "args": {...}}` (SPEC 7).
public struct ControlRequest: Sendable {
    /// Echoed in the reply (null when the request had none).
    public var id: JSONValue
    /// The command, e.g. `ls`.
    public var cmd: String
    /// The command's arguments.
    public var args: [String: JSONValue]

    /// A request; `id` is echoed in the reply.
    public init(id: JSONValue = .int(1), cmd: String, args: [String: JSONValue] = [:]) {
        self.id = id
        self.cmd = cmd
        self.args = args
    }

    /// Parses a line; the error names what is wrong with it.
    public static func parse(_ line: String) -> Result<ControlRequest, ControlFailure> {
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
    public var line: String {
        JSONValue.object(["id": id, "cmd": .string(cmd), "args": .object(args)]).text
    }

    /// A string argument.
    public func string(_ key: String) -> String? { args[key]?.stringValue }
    /// An integer argument.
    public func int(_ key: String) -> Int? { args[key]?.intValue.map { Int($0) } }
    /// A boolean argument (false when missing).
    public func bool(_ key: String) -> Bool { args[key]?.boolValue ?? false }
    /// A list of strings argument (empty when missing).
    public func strings(_ key: String) -> [String] { args[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
}

/// A failed request, as the `error` of a reply.
public struct ControlFailure: Error, Sendable, CustomStringConvertible {
    /// The message sent to the client.
    public let description: String
    /// A failure with this message.
    public init(_ message: String) { description = message }
}

/// Reply lines: `{"id": 1, "ok": true, "result": ...}` or `{"ok": false, "error": "..."}`.
public enum ControlReply {
    /// A success reply carrying `result`.
    public static func ok(_ id: JSONValue, _ result: JSONValue) -> String {
        JSONValue.object(["id": id, "ok": .bool(true), "result": result]).text
    }

    /// A success reply whose `result` is already JSON text (written
    /// straight to bytes, as `ls` does); the same line `ok` would give.
    public static func ok(_ id: JSONValue, rawResult: [UInt8]) -> String {
        var writer = JSONWriter(capacity: rawResult.count + 64)
        writer.appendByte(UInt8(ascii: "{"))
        writer.writeKey("id")
        writer.write(id)
        writer.appendByte(UInt8(ascii: ","))
        writer.writeKey("ok")
        writer.write(.bool(true))
        writer.appendByte(UInt8(ascii: ","))
        writer.writeKey("result")
        writer.appendRaw(rawResult)
        writer.appendByte(UInt8(ascii: "}"))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// An intermediate reply of a request that asked for progress
    /// (`"progress": true`); the final reply follows.
    public static func progress(_ id: JSONValue, _ progress: JSONValue) -> String {
        JSONValue.object(["id": id, "ok": .bool(true), "progress": progress]).text
    }

    /// A failure reply carrying a message.
    public static func error(_ id: JSONValue, _ message: String) -> String {
        JSONValue.object(["id": id, "ok": .bool(false), "error": .string(message)]).text
    }
}
