/// Writes a `LuaConfig` as a readable ppm.lua: a header, the helpers, the
/// settings, then each service as a `ppm.service { ... }` with one field a
/// line and its comments above it.
public enum LuaWriter {
    /// The whole file.
    public static func write(_ config: LuaConfig) -> String {
        var out: [String] = config.header.map(comment)
        if !config.untranslated.isEmpty {
            out.append("--")
            out.append("-- Not translated (kept here as comments):")
            out += config.untranslated.sorted { $0.line < $1.line }.map { comment("  " + describe($0)) }
        }
        for helper in config.helpers {
            out.append("")
            out += helper.source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        if !config.settings.isEmpty {
            out.append("")
            out += table(call: "ppm.settings", config.settings, indent: "")
        }
        for block in config.blocks {
            out.append("")
            switch block {
            case .service(let service): out += self.service(service)
            case .code(let comments, let lines):
                out += comments.map(comment)
                out += lines
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// `line N: not translated: TEXT (REASON)`.
    public static func describe(_ item: Untranslated) -> String {
        "line \(item.line): not translated: \(item.text) (\(item.reason))"
    }

    private static func comment(_ text: String) -> String {
        text.isEmpty ? "--" : text.split(separator: "\n", omittingEmptySubsequences: false).map { "-- " + $0 }.joined(separator: "\n")
    }

    private static func service(_ s: ServiceBlock) -> [String] {
        var out = s.comments.map(comment) + s.untranslated.map { comment(describe($0)) }
        if let loop = s.loop {
            out.append("for \(loop.variable) = \(loop.from), \(loop.to) do")
            out += table(call: "ppm.service", s.fields, indent: "  ")
            out.append("end")
        } else {
            out += table(call: "ppm.service", s.fields, indent: "")
        }
        return out
    }

    private static func table(call: String, _ fields: [LuaField], indent: String) -> [String] {
        var out = ["\(indent)\(call) {"]
        for field in fields {
            let prefix = "\(indent)  \(LuaExpr.key(field.key)) = "
            var lines = render(field.value, indent: indent + "  ", prefix: prefix)
            lines[lines.count - 1] += ","
            if let note = field.comment { lines[lines.count - 1] += "  -- " + note.replacingOccurrences(of: "\n", with: " ") }
            out += lines
        }
        out.append("\(indent)}")
        return out
    }

    /// `value` after `prefix`: on one line when short, else a table with one
    /// entry a line.
    private static func render(_ value: LuaExpr, indent: String, prefix: String) -> [String] {
        if case .code(let code) = value, code.contains("\n") {
            let lines = code.split(separator: "\n", omittingEmptySubsequences: false)
            return [prefix + lines[0]] + lines.dropFirst().map { indent + $0 }
        }
        let one = prefix + value.inline
        guard one.count > 100 else { return [one] }
        switch value {
        case .array(let items):
            return [prefix + "{"] + items.map { "\(indent)  \($0.inline)," } + ["\(indent)}"]
        case .table(let fields):
            var out = [prefix + "{"]
            for f in fields {
                var lines = render(f.value, indent: indent + "  ", prefix: "\(indent)  \(LuaExpr.key(f.key)) = ")
                lines[lines.count - 1] += ","
                out += lines
            }
            return out + ["\(indent)}"]
        default:
            return [one]
        }
    }
}
