import PPMCore

/// Why a reload counts a service as changed: the names of the fields that
/// differ, as `ppm.service{}` spells them.
enum ReloadReasons {
    /// The Lua function fields, in the order of `ScriptHost.hookSources`.
    static let functionFields = ["on_start", "on_exit", "restart", "on_output"]

    /// The data fields whose values differ (every field of `check --json`),
    /// then the function fields whose source text differs; sorted by name.
    static func changedFields(old: ServiceSpec, oldHooks: [String], new: ServiceSpec, newHooks: [String]) -> [String] {
        var fields: Set<String> = []
        if let a = SpecJSON.full(old).objectValue, let b = SpecJSON.full(new).objectValue {
            for key in Set(a.keys).union(b.keys) where key != "hooks" && a[key] != b[key] { fields.insert(key) }
        }
        for (i, name) in functionFields.enumerated() {
            let before = i < oldHooks.count ? oldHooks[i] : ""
            let after = i < newHooks.count ? newHooks[i] : ""
            if before != after { fields.insert(name) }
        }
        // A difference the JSON form does not show (none expected): still a change.
        if fields.isEmpty && (old != new || oldHooks != newHooks) { fields.insert("spec") }
        return fields.sorted()
    }
}
