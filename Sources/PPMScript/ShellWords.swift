/// Splits a command line into words as a POSIX shell would for quoting
/// (`"..."`, `'...'`, backslash), with no expansion of any kind.
package enum ShellWords {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// The words of `line`. It is read by Unicode scalar, not by character:
    /// a combining mark after a quote or a backslash must not hide it.
    package static func split(_ line: String) throws(Failure) -> [String] {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var chars = line.unicodeScalars.makeIterator()
        func endWord() {
            if inWord {
                words.append(String(word))
                word = String.UnicodeScalarView()
                inWord = false
            }
        }
        while let c = chars.next() {
            switch c {
            case " ", "\t", "\n":
                endWord()
            case "'":
                inWord = true
                while true {
                    guard let q = chars.next() else { throw Failure(description: "unterminated ' quote") }
                    if q == "'" { break }
                    word.append(q)
                }
            case "\"":
                inWord = true
                while true {
                    guard let q = chars.next() else { throw Failure(description: "unterminated \" quote") }
                    if q == "\"" { break }
                    if q == "\\" {
                        guard let e = chars.next() else { throw Failure(description: "unterminated \" quote") }
                        if !"\"\\$`\n".unicodeScalars.contains(e) { word.append("\\") }
                        if e != "\n" { word.append(e) }
                    } else {
                        word.append(q)
                    }
                }
            case "\\":
                guard let e = chars.next() else { throw Failure(description: "trailing backslash") }
                if e != "\n" {
                    word.append(e)
                    inWord = true
                }
            default:
                word.append(c)
                inWord = true
            }
        }
        endWord()
        return words
    }

    /// Quotes words so that `split` gives them back.
    package static func join(_ words: [String]) -> String {
        words.map { w in
            let plain = !w.isEmpty && w.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
            guard !plain else { return w }
            // By scalar: a quote followed by a combining mark is still a quote.
            var quoted = String.UnicodeScalarView()
            for c in w.unicodeScalars {
                if c == "'" { quoted.append(contentsOf: "'\\''".unicodeScalars) } else { quoted.append(c) }
            }
            return "'" + String(quoted) + "'"
        }.joined(separator: " ")
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// "Did you mean" suggestions: a known synonym (`command` → `cmd`), else
/// the nearest candidate by edit distance, else a candidate the word starts
/// with or spells out (`enviroment` → `env`, `comand` → `cmd`).
package enum Suggest {
    /// Words people write for a field, by the field.
    package static let synonyms = [
        "command": "cmd", "commands": "cmd", "exec": "cmd", "program": "cmd", "args": "cmd", "argv": "cmd",
        "environment": "env", "environ": "env", "cwd": "dir", "directory": "dir", "workdir": "dir",
        "working_dir": "dir", "chdir": "dir", "depends_on": "requires", "after": "requires", "group_name": "groups",
        "autorestart": "restart", "policy": "restart", "delay": "start_after", "kill_signal": "stop_signal",
        "kill_timeout": "stop_timeout", "onexit": "on_exit", "onstart": "on_start",
    ]

    /// `" (did you mean 'x'?)"` for the nearest candidate, or "".
    package static func hint(_ word: String, in candidates: [String]) -> String {
        closest(word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// The candidate `word` probably meant, if one is close enough.
    package static func closest(_ word: String, in candidates: [String]) -> String? {
        // Far longer than any candidate: no near miss, and the edit distance would cost its length squared.
        guard word.utf8.count <= 64 else { return nil }
        let lower = word.lowercased()
        if let meant = synonyms[lower], candidates.contains(meant) { return meant }
        let best = candidates.map { ($0, distance(lower, $0)) }.min { $0.1 < $1.1 }
        if let best, best.1 <= max(2, word.count / 3) { return best.0 }
        let spelled = candidates.filter { $0.count >= 3 && (lower.hasPrefix($0) || spellsOut(lower, $0)) }
        return spelled.max { $0.count < $1.count }
    }

    /// Whether `word` starts like `short` and holds all its letters in order
    /// (`comand` spells out `cmd`).
    static func spellsOut(_ word: String, _ short: String) -> Bool {
        guard word.first == short.first, word.count > short.count else { return false }
        var rest = Substring(word)
        for c in short {
            guard let i = rest.firstIndex(of: c) else { return false }
            rest = rest[rest.index(after: i)...]
        }
        return true
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
