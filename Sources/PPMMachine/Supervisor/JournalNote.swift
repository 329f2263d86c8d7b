/// A journal entry before the journal numbers it: its type, service and
/// fields. The loop writes every note (service events, hook errors and the
/// daemon's own: `config`, `config_error`, `daemon_error`, `remote_refused`,
/// `disk_full`…) in one place, which adds `seq`, `time` and `utc`.
package struct JournalNote: Sendable, Equatable {
    /// The journal type (`config`, `hook_error`, `start`…).
    package var type: String
    /// The service it is about, if any.
    package var name: String?
    /// The fields besides `seq`, `time`, `type` and `name` (a `utc` here is
    /// replaced by the one of the entry's time).
    package var fields: [String: JSONValue]
    /// When it happened (unix time); nil: when the loop writes it.
    package var time: Double?

    package init(_ type: String, name: String? = nil, fields: [String: JSONValue] = [:], time: Double? = nil) {
        self.type = type
        self.name = name
        self.fields = fields
        self.time = time
    }

    /// A service event as the journal keeps it, at the event's own time.
    package init(_ event: ServiceEvent) {
        self.init(event.kind.rawValue, name: event.name, fields: event.fields, time: event.time)
    }

    /// A hook that failed (`error` holds the message and traceback).
    package static func hookError(_ message: String, name: String? = nil) -> JournalNote {
        JournalNote("hook_error", name: name, fields: ["error": .string(message)])
    }
}
