/// Something of the source config that has no ppm-lua equivalent: kept as a
/// comment in the output and listed on stderr.
public struct Untranslated: Equatable, Sendable {
    /// Line in the source file (1-based).
    public var line: Int
    /// The source text (or a short description of it).
    public var text: String
    /// Why it was not translated.
    public var reason: String
    /// The source file, when an import reads several (systemd units).
    public var file: String?

    /// An item left out.
    public init(line: Int, text: String, reason: String, file: String? = nil) {
        self.line = line
        self.text = text
        self.reason = reason
        self.file = file
    }
}

/// One `ppm.service { ... }` of the output, with the comments above it.
public struct ServiceBlock: Equatable, Sendable {
    /// Comment lines written above the service (without `-- `).
    public var comments: [String] = []
    /// The fields, in order.
    public var fields: [LuaField] = []
    /// What of this service was not translated (written above it).
    public var untranslated: [Untranslated] = []
    /// When set, the service is declared once per value of `variable`, in a
    /// numeric `for` loop (supervisord numprocs, pm2 instances).
    public var loop: Loop?

    /// A numeric `for variable = from, to do ... end` around the service.
    public struct Loop: Equatable, Sendable {
        /// The loop variable, used by the fields' `code` expressions.
        public var variable: String
        /// First value.
        public var from: Int
        /// Last value (inclusive).
        public var to: Int
    }

    /// An empty block.
    public init() {}

    /// Appends `key = value` with an optional trailing comment.
    public mutating func set(_ key: String, _ value: LuaExpr, comment: String? = nil) {
        fields.append(LuaField(key, value, comment: comment))
    }

    /// The value of a field set earlier.
    public func value(_ key: String) -> LuaExpr? { fields.first { $0.key == key }?.value }
}

/// A piece of the output after the helpers: a service, or Lua code with
/// comments (hooks, timers), or comments alone.
public enum LuaBlock: Equatable, Sendable {
    /// `ppm.service { ... }`.
    case service(ServiceBlock)
    /// Code lines, each written as given, with comment lines above.
    case code(comments: [String], lines: [String])
}

/// A whole generated ppm.lua: header comments, the helpers the services
/// use, daemon settings, then the services in source order.
public struct LuaConfig: Equatable, Sendable {
    /// Comment lines at the top (without `-- `).
    public var header: [String] = []
    /// Helpers needed by the blocks, written once each, in first-use order.
    public var helpers: [LuaHelper] = []
    /// `ppm.settings { ... }` fields (none: no settings call).
    public var settings: [LuaField] = []
    /// Services and code.
    public var blocks: [LuaBlock] = []
    /// Items that belong to no service (written after the header).
    public var untranslated: [Untranslated] = []

    /// An empty config.
    public init() {}

    /// Adds `helper` (and the helpers it builds on) unless already there.
    public mutating func use(_ helper: LuaHelper) {
        for needed in helper.needs { use(needed) }
        if !helpers.contains(helper) { helpers.append(helper) }
    }

    /// Every untranslated item, global ones and per service, by line.
    public var allUntranslated: [Untranslated] {
        var all = untranslated
        for case .service(let s) in blocks { all += s.untranslated }
        return all.sorted { ($0.file ?? "", $0.line) < ($1.file ?? "", $1.line) }
    }
}
