import Foundation

/// systemd's value syntaxes the importer reads: command lines
/// (systemd.service(5) "Command lines"), `Environment=` assignments, time
/// spans (systemd.time(7)), resource limits and CPU sets.
enum SystemdValues {
    /// The words of a command line or an `Environment=` value: split at
    /// spaces, `"…"` and `'…'` group, `\` escapes the next character (C
    /// escapes `\n`, `\t` in quotes). Nil on an unterminated quote.
    static func words(_ text: String) -> [String]? {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var chars = text.makeIterator()
        while let c = chars.next() {
            if let q = quote {
                if c == q {
                    quote = nil
                    continue
                }
                if c == "\\", let e = chars.next() {
                    switch e {
                    case "n": word.append("\n")
                    case "t": word.append("\t")
                    default: word.append(e)
                    }
                    continue
                }
                word.append(c)
            } else if c == " " || c == "\t" {
                if inWord {
                    words.append(word)
                    word = ""
                    inWord = false
                }
            } else if c == "\"" || c == "'" {
                quote = c
                inWord = true
            } else if c == "\\" {
                inWord = true
                if let e = chars.next() { word.append(e) }
            } else {
                word.append(c)
                inWord = true
            }
        }
        guard quote == nil else { return nil }
        if inWord { words.append(word) }
        return words
    }

    /// A command for ppm-lua: the words as they are when no `$` is used;
    /// otherwise `/bin/sh -c 'exec …'`, where `$NAME` alone splits into words
    /// and `${NAME}` stays one word, as systemd expands them (`$$` is a `$`).
    static func command(_ words: [String]) -> (argv: [String], viaShell: Bool) {
        guard words.contains(where: { $0.contains("$") }) else { return (words, false) }
        let parts = words.map { word -> String in
            if word.hasPrefix("$"), !word.hasPrefix("$$"), !word.hasPrefix("${"),
                word.dropFirst().allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            {
                return word
            }
            if !word.contains("$") { return shellQuote(word) }
            var out = "\""
            var rest = Substring(word)
            while let c = rest.first {
                rest = rest.dropFirst()
                if c == "$" && rest.first == "$" {
                    out += "\\$"
                    rest = rest.dropFirst()
                    continue
                }
                if c == "\\" || c == "\"" || c == "`" { out += "\\" }
                out.append(c)
            }
            return out + "\""
        }
        return (["/bin/sh", "-c", "exec " + parts.joined(separator: " ")], true)
    }

    /// `word` in single quotes unless it is plain.
    static func shellQuote(_ word: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")
        if !word.isEmpty && word.allSatisfy(plain.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Seconds of a time span: `90`, `5s`, `1min 30s`, `2h`, `500ms`;
    /// nil for `infinity` or text that is not a span.
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [
            ("usec", 1e-6), ("us", 1e-6), ("msec", 1e-3), ("ms", 1e-3), ("seconds", 1), ("second", 1), ("sec", 1), ("s", 1),
            ("minutes", 60), ("minute", 60), ("min", 60), ("m", 60), ("hours", 3600), ("hour", 3600), ("hr", 3600), ("h", 3600),
            ("days", 86400), ("day", 86400), ("d", 86400), ("weeks", 604800), ("week", 604800), ("w", 604800),
        ]
        let compact = text.filter { $0 != " " && $0 != "\t" }
        guard !compact.isEmpty, compact != "infinity" else { return nil }
        var total = 0.0
        var rest = Substring(compact)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unitText.count)
            if unitText.isEmpty {
                total += value
                continue
            }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            total += value * unit.1
        }
        return total
    }

    /// A `Limit*=` value as a ppm-lua `ulimit` entry: `N`, `infinity`,
    /// `SOFT:HARD`; sizes may carry K, M, G, T (1024-based). Nil otherwise.
    static func limit(_ text: String) -> LuaExpr? {
        func one(_ s: Substring) -> LuaExpr? {
            if s == "infinity" { return .string("infinity") }
            let scale: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
            if let last = s.last, let factor = scale[last], let n = Int(s.dropLast()) { return .int(n * factor) }
            return Int(s).map { .int($0) }
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1 { return one(parts[0]) }
        guard parts.count == 2, let soft = one(parts[0]), let hard = one(parts[1]) else { return nil }
        return .table([LuaField("soft", soft), LuaField("hard", hard)])
    }

    /// `CPUAffinity=`: CPU numbers and ranges, separated by spaces or commas.
    static func cpus(_ text: String) -> [Int]? {
        var result: [Int] = []
        for item in text.split(whereSeparator: { $0 == " " || $0 == "," }) {
            let ends = item.split(separator: "-")
            guard let first = ends.first.flatMap({ Int($0) }), let last = ends.last.flatMap({ Int($0) }),
                ends.count <= 2, first <= last, last < 4096
            else { return nil }
            result += Array(first...last)
        }
        return result.isEmpty ? nil : result
    }
}
