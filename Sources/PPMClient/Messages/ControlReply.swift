package import PPMMachine

/// Reply lines: `{"id": 1, "ok": true, "result": ...}` or `{"ok": false, "error": "..."}`.
package enum ControlReply {
    /// A success reply carrying `result`.
    package static func ok(_ id: JSONValue, _ result: JSONValue) -> String {
        JSONValue.object(["id": id, "ok": .bool(true), "result": result]).text
    }

    /// A success reply whose `result` is already JSON text (written
    /// straight to bytes, as `ls` does); the same line `ok` would give.
    package static func ok(_ id: JSONValue, rawResult: [UInt8]) -> String {
        String(decoding: okLine(id, rawResult: rawResult), as: UTF8.self)
    }

    /// `ok(_:rawResult:)` as bytes, for a reply too large to be copied into a String.
    package static func okLine(_ id: JSONValue, rawResult: [UInt8]) -> [UInt8] {
        var writer = okLineStart(id, capacity: rawResult.count)
        writer.appendRaw(rawResult)
        writer.appendByte(UInt8(ascii: "}"))
        return writer.bytes
    }

    /// A writer holding the start of a success reply, `{"id":…,"ok":true,"result":`,
    /// with room for `capacity` bytes of result: the caller writes the result
    /// and the closing `}` (a large reply is then never copied whole).
    package static func okLineStart(_ id: JSONValue, capacity: Int) -> JSONWriter {
        var writer = JSONWriter(capacity: capacity + 64)
        writer.appendByte(UInt8(ascii: "{"))
        writer.writeKey("id")
        writer.write(id)
        writer.appendByte(UInt8(ascii: ","))
        writer.writeKey("ok")
        writer.write(.bool(true))
        writer.appendByte(UInt8(ascii: ","))
        writer.writeKey("result")
        return writer
    }

    /// An intermediate reply of a request that asked for progress
    /// (`"progress": true`); the final reply follows.
    package static func progress(_ id: JSONValue, _ progress: JSONValue) -> String {
        JSONValue.object(["id": id, "ok": .bool(true), "progress": progress]).text
    }

    /// A failure reply carrying a message.
    package static func error(_ id: JSONValue, _ message: String) -> String {
        JSONValue.object(["id": id, "ok": .bool(false), "error": .string(message)]).text
    }
}
