/// One systemd unit file as systemd.syntax(7) reads it: `[Section]`
/// headers, `Key=Value` lines (a key may repeat; an empty value resets the
/// list), `#` and `;` comment lines, and a `\` at the end of a line that
/// joins the next one (comment lines inside are skipped).
struct SystemdUnit {
    /// One assignment, with the line it starts on.
    struct Entry: Equatable {
        var section: String
        var key: String
        var value: String
        var line: Int
        /// `Key=Value` as written (joined), for comments.
        var source: String { "\(key)=\(value)" }
    }

    /// The file as named on the command line.
    let file: String
    /// The unit's name without `.service` (the service's name).
    let name: String
    /// Every assignment in file order.
    let entries: [Entry]
    /// `[Section]` headers and their lines.
    let sections: [(name: String, line: Int)]

    /// Parses `text`; fails with `FILE:LINE: message` on a line that is
    /// neither a header, an assignment nor a comment.
    init(file: String, text: String) throws(ImportError) {
        self.file = file
        let base = file.split(separator: "/").last.map(String.init) ?? file
        name = base.hasSuffix(".service") ? String(base.dropLast(".service".count)) : base
        var entries: [Entry] = []
        var sections: [(String, Int)] = []
        var section: String?
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        var i = 0
        while i < lines.count {
            let number = i + 1
            var line = lines[i]
            i += 1
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw ImportError(file, line: number, "a section header must be [Name], got '\(LuaWriter.visible(line))'")
                }
                section = String(line.dropFirst().dropLast())
                sections.append((section!, number))
                continue
            }
            while line.hasSuffix("\\") && i < lines.count {
                line = String(line.dropLast())
                while i < lines.count && (lines[i].hasPrefix("#") || lines[i].hasPrefix(";")) { i += 1 }
                if i < lines.count {
                    line += " " + lines[i]
                    i += 1
                }
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw ImportError(file, line: number, "expected Key=Value, got '\(LuaWriter.visible(String(line.prefix(60))))'")
            }
            guard let current = section else { throw ImportError(file, line: number, "an assignment before any [Section]") }
            let key = String(line[..<eq]).trimmingSpaces
            let value = String(line[line.index(after: eq)...]).trimmingSpaces
            guard !key.isEmpty else { throw ImportError(file, line: number, "a line without a key before '='") }
            entries.append(Entry(section: current, key: key, value: value, line: number))
        }
        self.entries = entries
        self.sections = sections
    }

    /// The entries of `section` with `key`, after the last empty one (which resets the list).
    func all(_ section: String, _ key: String) -> [Entry] {
        let matching = entries.filter { $0.section == section && $0.key == key }
        guard let reset = matching.lastIndex(where: { $0.value.isEmpty }) else { return matching }
        return Array(matching[(reset + 1)...])
    }

    /// The last non-empty value of `key` in `section`.
    func last(_ section: String, _ key: String) -> Entry? {
        all(section, key).last
    }

    /// Unit names listed by `key` in [Unit] (space-separated, several lines),
    /// without `.service`; other unit types (`.target`, `.socket`…) kept whole.
    func units(_ key: String) -> [(name: String, line: Int)] {
        all("Unit", key).flatMap { e in
            e.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { word in
                (word.hasSuffix(".service") ? String(word.dropLast(".service".count)) : String(word), e.line)
            }
        }
    }
}
