/// The syntax of `env_file` (SPEC 10): KEY=VALUE lines as systemd's
/// `EnvironmentFile=` and dotenv read them.
///
/// - blank lines and lines starting with `#` (or systemd's `;`) are skipped;
/// - `export ` before the name is allowed (a file that a shell can source);
/// - spaces around `=` are dropped; a name is letters, digits, `_`, `.`
///   and `-`, not starting with a digit;
/// - `'…'` (and dotenv's `` `…` ``): taken literally, and may span lines;
/// - `"…"`: may span lines; `\"`, `\\`, `` \` ``, `\$` give the character,
///   `\n`, `\t`, `\r` a newline, tab and carriage return (dotenv), a `\` at
///   the end of a line joins the next one (systemd); any other `\x` stays as
///   written (systemd);
/// - unquoted: up to the end of the line, trailing spaces dropped, a `#`
///   after a space starts a comment (dotenv); a `\` ending the line joins
///   the next one (systemd); other backslashes stay as written;
/// - after a closing quote only spaces and a `#` comment may follow;
/// - a later assignment of a name wins; nothing is expanded (`$X` stays).
///
/// Anything else is an error at the line where the assignment starts.
package enum EnvFile {
    /// A malformed line: `FILE:LINE: message` when shown.
    package struct Failure: Error, Equatable, CustomStringConvertible {
        /// The file as named in the spec.
        package var file: String
        /// The line (1-based).
        package var line: Int
        /// What is wrong with it.
        package var message: String

        /// `FILE:LINE: message`.
        package var description: String { "\(file):\(line): \(message)" }
    }

    /// The assignments of `text` in file order (a name may repeat; the last wins
    /// when they are merged). `file` names the file in errors.
    package static func parse(_ text: String, file: String) throws(Failure) -> [(name: String, value: String)] {
        var parser = Parser(chars: Array(text.unicodeScalars), file: file)
        return try parser.assignments()
    }

    /// The assignments of `text` as a dictionary (later ones win).
    package static func variables(_ text: String, file: String) throws(Failure) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in try parse(text, file: file) { result[name] = value }
        return result
    }
}

/// The scanner behind `EnvFile.parse`.
private struct Parser {
    let chars: [Unicode.Scalar]
    let file: String
    var at = 0
    var line = 1

    init(chars: [Unicode.Scalar], file: String) {
        self.chars = chars
        self.file = file
    }

    private var current: Unicode.Scalar? { at < chars.count ? chars[at] : nil }

    private func failure(_ message: String, line: Int? = nil) -> EnvFile.Failure {
        EnvFile.Failure(file: file, line: line ?? self.line, message: message)
    }

    /// Moves past one character, counting lines (`\r\n` is one line end).
    private mutating func advance() {
        if chars[at] == "\n" { line += 1 }
        at += 1
    }

    private mutating func skipBlanks() {
        while let c = current, c == " " || c == "\t" { advance() }
    }

    /// Whether the next characters end the line (`\n`, `\r\n`, or the end of the text).
    private func atLineEnd() -> Bool {
        guard let c = current else { return true }
        return c == "\n" || (c == "\r" && (at + 1 == chars.count || chars[at + 1] == "\n"))
    }

    private mutating func skipLineEnd() {
        if current == "\r" { at += 1 }
        if current == "\n" { advance() }
    }

    private mutating func skipRestOfLine() {
        while !atLineEnd() { advance() }
        skipLineEnd()
    }

    mutating func assignments() throws(EnvFile.Failure) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        while current != nil {
            skipBlanks()
            if atLineEnd() {
                skipLineEnd()
                continue
            }
            if current == "#" || current == ";" {
                skipRestOfLine()
                continue
            }
            let start = line
            var name = word()
            if name == "export", current == " " || current == "\t" {
                skipBlanks()
                name = word()
            }
            skipBlanks()
            guard current == "=" else {
                if name.isEmpty { throw failure("expected NAME=VALUE, found '\(shown(rest()))'") }
                throw failure(
                    atLineEnd()
                        ? "'\(name)' has no '=' (expected NAME=VALUE)"
                        : "'\(name)': expected '=' after the name, found '\(shown(rest()))'")
            }
            guard isValidName(name) else {
                throw failure(
                    name.isEmpty
                        ? "missing a name before '='"
                        : "'\(shown(name))' is not a valid variable name (letters, digits, '_', '.', '-'; not a digit first)")
            }
            advance()
            skipBlanks()
            let value = try self.value(startLine: start)
            guard !value.unicodeScalars.contains("\0") else { throw failure("'\(name)': a NUL byte in the value", line: start) }
            result.append((name, value))
        }
        return result
    }

    /// Letters, digits and `_.-` up to the next other character.
    private mutating func word() -> String {
        var s = ""
        while let c = current, c.isASCII, c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "." || c == "-" {
            s.unicodeScalars.append(c)
            advance()
        }
        return s
    }

    private func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        return !("0"..."9").contains(first) && first != "." && first != "-"
    }

    /// The rest of the line (for messages).
    private func rest() -> String {
        var s = ""
        var i = at
        while i < chars.count, chars[i] != "\n", s.unicodeScalars.count < 40 {
            s.unicodeScalars.append(chars[i])
            i += 1
        }
        return s
    }

    private mutating func value(startLine: Int) throws(EnvFile.Failure) -> String {
        switch current {
        case "'": return try quoted(startLine: startLine, mark: "'")
        case "\"": return try quoted(startLine: startLine, mark: "\"")
        case "`": return try quoted(startLine: startLine, mark: "`")
        default: return unquoted()
        }
    }

    private mutating func unquoted() -> String {
        var s = ""
        var pendingBlanks = ""
        while !atLineEnd() {
            let c = chars[at]
            if c == "#" && (s.isEmpty || !pendingBlanks.isEmpty) {
                skipRestOfLine()
                return s
            }
            if c == "\\" {
                let next = at + 1 < chars.count ? chars[at + 1] : nil
                let crlf = next == "\r" && at + 2 < chars.count && chars[at + 2] == "\n"
                if next == "\n" || crlf || next == nil {
                    // A continuation: the next line goes on.
                    s += pendingBlanks
                    pendingBlanks = ""
                    advance()
                    skipLineEnd()
                    continue
                }
            }
            if c == " " || c == "\t" {
                pendingBlanks.unicodeScalars.append(c)
            } else {
                s += pendingBlanks
                pendingBlanks = ""
                s.unicodeScalars.append(c)
            }
            advance()
        }
        skipLineEnd()
        return s
    }

    private mutating func quoted(startLine: Int, mark: Unicode.Scalar) throws(EnvFile.Failure) -> String {
        advance()  // the opening quote
        var s = ""
        while true {
            guard let c = current else { throw failure("unterminated \(mark) quote (opened here)", line: startLine) }
            advance()
            if c == mark { break }
            if c == "\\" && mark == "\"" {
                guard let e = current else { throw failure("unterminated \(mark) quote (opened here)", line: startLine) }
                switch e {
                case "\"", "\\", "`", "$":
                    s.unicodeScalars.append(e)
                    advance()
                case "n":
                    s += "\n"
                    advance()
                case "t":
                    s += "\t"
                    advance()
                case "r":
                    s += "\r"
                    advance()
                case "\n": advance()
                case "\r" where at + 1 < chars.count && chars[at + 1] == "\n":
                    at += 1
                    advance()
                default: s += "\\"
                }
                continue
            }
            s.unicodeScalars.append(c)
        }
        skipBlanks()
        if current == "#" {
            skipRestOfLine()
            return s
        }
        guard atLineEnd() else {
            throw failure("unexpected '\(shown(rest()))' after the closing \(mark) quote", line: line)
        }
        skipLineEnd()
        return s
    }

    private func shown(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F { out += "\\x" + String(u.value, radix: 16) } else { out.unicodeScalars.append(u) }
        }
        return out
    }
}
