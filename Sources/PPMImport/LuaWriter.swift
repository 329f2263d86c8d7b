import LuaKit

/// Writes a `LuaConfig` as a readable ppm.lua: a header, the helpers, the
/// settings, then each service as a `ppm.service { ... }` with one field a
/// line and its comments above it.
package enum LuaWriter {
    /// The whole file.
    package static func write(_ config: LuaConfig) -> String {
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

    /// `line N: not translated: TEXT (REASON)`, after the file's name
    /// when the item names one (`db.service line N: …`).
    package static func describe(_ item: Untranslated) -> String {
        let place = item.file.map { "\(ImportFormat.basename($0)) line \(item.line)" } ?? "line \(item.line)"
        return "\(place): not translated: \(item.text) (\(item.reason))"
    }

    /// `-- text`, a line each: one per `\n` of `text`, every other control
    /// character shown escaped (Lua also ends a comment at `\r`, and text from
    /// the imported file must never become code).
    static func comment(_ text: String) -> String {
        text.isEmpty
            ? "--"
            : text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { "-- " + visible(String($0)) }.joined(separator: "\n")
    }

    /// `text` with each control character (C0, DEL, C1, and the line and
    /// paragraph separators) written as `\r`, `\t` or `\xHH` / `\u{HHHH}`: safe
    /// inside a one-line Lua comment and visible to whoever reads it.
    package static func visible(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u.value {
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0..<0x20, 0x7F: out += "\\x" + hex(u.value, width: 2)
            case 0x80..<0xA0, 0x2028, 0x2029: out += "\\u{" + hex(u.value, width: 4) + "}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
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
            let prefix = "\(indent)  \(LuaLiteral.key(field.key)) = "
            var lines = render(field.value, indent: indent + "  ", prefix: prefix)
            lines[lines.count - 1] += ","
            if let note = field.comment { lines[lines.count - 1] += "  -- " + visible(note) }
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
                var lines = render(f.value, indent: indent + "  ", prefix: "\(indent)  \(LuaLiteral.key(f.key)) = ")
                lines[lines.count - 1] += ","
                out += lines
            }
            return out + ["\(indent)}"]
        default:
            return [one]
        }
    }
}
