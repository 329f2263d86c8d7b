/// One `key = value` of an INI section, with the line it starts on.
struct IniEntry: Equatable {
    /// The key, lower-cased (as Python's ConfigParser reads it).
    var key: String
    /// The value; continuation lines are joined with `\n`.
    var value: String
    /// 1-based line of the key.
    var line: Int
    /// `key=value` as written (first line), for comments.
    var source: String
}

/// One `[name]` section and its entries, in file order.
struct IniSection: Equatable {
    var name: String
    var line: Int
    var entries: [IniEntry] = []
    /// The file it was read from when it is not the imported one (`[include]`).
    var file: String?

    /// The last entry with this key.
    subscript(key: String) -> IniEntry? { entries.last { $0.key == key } }
}

/// Reads INI text as supervisord's Python ConfigParser does: `[section]`
/// headers; `key = value` or `key: value`; `;` and `#` comment lines and
/// inline comments (after whitespace); indented lines continue the value
/// above; keys are case-insensitive.
enum IniReader {
    static func sections(_ text: String, file: String) throws(ImportError) -> [IniSection] {
        var sections: [IniSection] = []
        var lastKeyLine: Int?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let trimmed = raw.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix(";") || trimmed.hasPrefix("#") {
                if trimmed.isEmpty { lastKeyLine = nil }
                continue
            }
            let indented = raw.first == " " || raw.first == "\t"
            if indented, lastKeyLine != nil, !sections.isEmpty, !sections[sections.count - 1].entries.isEmpty {
                let last = sections[sections.count - 1].entries.count - 1
                let more = stripComment(trimmed)
                sections[sections.count - 1].entries[last].value += (sections[sections.count - 1].entries[last].value.isEmpty ? "" : "\n") + more
                continue
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw ImportError(file, line: line, "a section header is written [name]")
                }
                let name = String(trimmed.dropFirst().dropLast())
                if sections.contains(where: { $0.name == name }) {
                    throw ImportError(file, line: line, "section [\(name)] appears twice")
                }
                sections.append(IniSection(name: name, line: line))
                lastKeyLine = nil
                continue
            }
            guard let cut = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }), cut != trimmed.startIndex else {
                throw ImportError(file, line: line, "expected `key = value` or a [section], got '\(trimmed)'")
            }
            guard !sections.isEmpty else { throw ImportError(file, line: line, "`\(trimmed)` comes before any [section]") }
            let key = trimmed[..<cut].trimmingSpaces.lowercased()
            let value = stripComment(trimmed[trimmed.index(after: cut)...].trimmingSpaces)
            sections[sections.count - 1].entries.append(IniEntry(key: key, value: value, line: line, source: stripComment(trimmed)))
            lastKeyLine = line
        }
        return sections
    }

    /// The text before an inline `;` or `#` comment (one after whitespace).
    static func stripComment(_ text: String) -> String {
        var previous: Character = " "
        for i in text.indices {
            if (text[i] == ";" || text[i] == "#") && (previous == " " || previous == "\t") {
                return text[..<i].trimmingSpaces
            }
            previous = text[i]
        }
        return text
    }
}
