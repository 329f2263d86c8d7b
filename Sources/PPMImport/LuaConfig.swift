/// Something of the source config that has no ppm-lua equivalent: kept as a
/// comment in the output and listed on stderr.
package struct Untranslated: Equatable, Sendable {
    /// Line in the source file (1-based).
    package var line: Int
    /// The source text (or a short description of it).
    package var text: String
    /// Why it was not translated.
    package var reason: String
    /// The source file, when an import reads several (systemd units).
    package var file: String?

    /// An item left out.
    package init(line: Int, text: String, reason: String, file: String? = nil) {
        self.line = line
        self.text = text
        self.reason = reason
        self.file = file
    }
}

/// One `ppm.service { ... }` of the output, with the comments above it.
package struct ServiceBlock: Equatable, Sendable {
    /// Comment lines written above the service (without `-- `).
    package var comments: [String] = []
    /// The fields, in order.
    package var fields: [LuaField] = []
    /// What of this service was not translated (written above it).
    package var untranslated: [Untranslated] = []
    /// When set, the service is declared once per value of `variable`, in a
    /// numeric `for` loop (supervisord numprocs, pm2 instances).
    package var loop: Loop?

    /// A numeric `for variable = from, to do ... end` around the service.
    package struct Loop: Equatable, Sendable {
        /// The loop variable, used by the fields' `code` expressions.
        package var variable: String
        /// First value.
        package var from: Int
        /// Last value (inclusive).
        package var to: Int
    }

    /// An empty block.
    package init() {}

    /// Appends `key = value` with an optional trailing comment.
    package mutating func set(_ key: String, _ value: LuaExpr, comment: String? = nil) {
        fields.append(LuaField(key, value, comment: comment))
    }

    /// The value of a field set earlier.
    package func value(_ key: String) -> LuaExpr? { fields.first { $0.key == key }?.value }
}

/// A piece of the output after the helpers: a service, or Lua code with
/// comments (hooks, timers), or comments alone.
package enum LuaBlock: Equatable, Sendable {
    /// `ppm.service { ... }`.
    case service(ServiceBlock)
    /// Code lines, each written as given, with comment lines above.
    case code(comments: [String], lines: [String])
}

/// A whole generated ppm.lua: header comments, the helpers the services
/// use, daemon settings, then the services in source order.
package struct LuaConfig: Equatable, Sendable {
    /// Comment lines at the top (without `-- `).
    package var header: [String] = []
    /// Helpers needed by the blocks, written once each, in first-use order.
    package var helpers: [LuaHelper] = []
    /// `ppm.settings { ... }` fields (none: no settings call).
    package var settings: [LuaField] = []
    /// Services and code.
    package var blocks: [LuaBlock] = []
    /// Items that belong to no service (written after the header).
    package var untranslated: [Untranslated] = []

    /// An empty config.
    package init() {}

    /// Adds `helper` (and the helpers it builds on) unless already there.
    package mutating func use(_ helper: LuaHelper) {
        for needed in helper.needs { use(needed) }
        if !helpers.contains(helper) { helpers.append(helper) }
    }

    /// Every untranslated item, global ones and per service, by line.
    package var allUntranslated: [Untranslated] {
        var all = untranslated
        for case .service(let s) in blocks { all += s.untranslated }
        return all.sorted { ($0.file ?? "", $0.line) < ($1.file ?? "", $1.line) }
    }
}
