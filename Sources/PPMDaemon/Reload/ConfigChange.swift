import PPMCore

/// What a config load changed: the fields of the `config` event and of the
/// `reload` reply.
struct ConfigChange {
    /// Services declared now that were not (or were removed with `rm`).
    var added: [String] = []
    /// Services the config no longer declares.
    var removed: [String] = []
    /// Services whose fields or Lua functions differ.
    var changed: [String] = []
    /// For each changed service, the fields that differ (`reload --dry-run`).
    var reasons: [String: [String]] = [:]

    /// The `config` event's fields and the `reload` reply.
    var json: JSONValue { .object(["added": .init(added), "removed": .init(removed), "changed": .init(changed)]) }

    /// `json` with `reasons` (name → changed fields) and `dry_run`.
    var planJSON: JSONValue {
        guard case .object(var o) = json else { return json }
        o["reasons"] = .object(reasons.mapValues { .init($0) })
        o["dry_run"] = .bool(true)
        return .object(o)
    }

    /// `added: a, b; removed: -; changed: c`.
    var summary: String {
        func list(_ names: [String]) -> String { names.isEmpty ? "-" : names.joined(separator: ", ") }
        return "added: \(list(added)); removed: \(list(removed)); changed: \(list(changed))"
    }
}
