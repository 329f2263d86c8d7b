import Dispatch
package import PPMMachine

/// One journal line: `seq, time, type, name` and the fields of the event.
package struct JournalEntry: Sendable {
    package var seq: Int64
    package var time: Double
    package var type: String
    package var name: String?
    package var fields: [String: JSONValue]

    package var json: JSONValue {
        var o = fields
        o["seq"] = .int(seq)
        o["time"] = .double(time)
        o["type"] = .string(type)
        o["name"] = .init(name)
        return .object(o)
    }

    init?(json: JSONValue) {
        guard var o = json.objectValue, let seq = o["seq"]?.intValue, let type = o["type"]?.stringValue else { return nil }
        self.seq = seq
        self.time = o["time"]?.doubleValue ?? 0
        self.type = type
        self.name = o["name"]?.stringValue
        for k in ["seq", "time", "type", "name"] { o[k] = nil }
        self.fields = o
    }

    init(seq: Int64, time: Double, type: String, name: String?, fields: [String: JSONValue]) {
        self.seq = seq
        self.time = time
        self.type = type
        self.name = name
        self.fields = fields
    }
}
