/// One word of a pmtr.conf, where it stands, and whether it opens its line.
struct PmtrToken: Equatable {
    /// The text, without the quotes of a quoted string.
    var text: String
    /// The text as written (quotes included).
    var raw: String
    /// 1-based line.
    var line: Int
    /// First token of its line: only these can be keywords (pmtr's rule,
    /// except for `{`, `on`, `to` and `every`).
    var startsLine: Bool
    /// Written in double quotes.
    var quoted: Bool
}

/// Splits a pmtr.conf into tokens as pmtr does: words end at whitespace;
/// a word starting with `"` runs to the next `"` on the same line (no
/// escapes); `#` at the start of a word comments out the rest of the line.
enum PmtrLexer {
    static func tokens(_ text: String, file: String) throws(ImportError) -> [PmtrToken] {
        var out: [PmtrToken] = []
        for (index, lineText) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            var chars = Substring(lineText)
            var first = true
            while true {
                chars = chars.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
                guard let c = chars.first, c != "#" else { break }
                if c == "\"" {
                    let body = chars.dropFirst()
                    guard let close = body.firstIndex(of: "\"") else {
                        throw ImportError(file, line: line, "unterminated \" quote")
                    }
                    let raw = String(chars[chars.startIndex...close])
                    out.append(PmtrToken(text: String(body[..<close]), raw: raw, line: line, startsLine: first, quoted: true))
                    chars = body[body.index(after: close)...]
                } else {
                    let word = chars.prefix { $0 != " " && $0 != "\t" && $0 != "\r" }
                    out.append(PmtrToken(text: String(word), raw: String(word), line: line, startsLine: first, quoted: false))
                    chars = chars.dropFirst(word.count)
                }
                first = false
            }
        }
        return out
    }
}
