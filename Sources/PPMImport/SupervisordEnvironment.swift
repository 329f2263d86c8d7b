/// supervisord's `environment = KEY="value",KEY2='value',KEY3=value`: pairs
/// split at commas outside quotes; quotes around a value are removed.
enum SupervisordEnvironment {
    static func pairs(_ text: String, file: String, line: Int) throws(ImportError) -> [(key: String, value: String)] {
        var items: [String] = []
        var current = ""
        var quote: Character?
        for c in text {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
                current.append(c)
            } else if c == "," {
                items.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        guard quote == nil else { throw ImportError(file, line: line, "environment: unterminated \(quote!) quote") }
        items.append(current)
        return try items.map { $0.trimmingSpaces }.filter { !$0.isEmpty }.map { item throws(ImportError) in
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ImportError(file, line: line, "environment: expected KEY=value, got '\(item)'")
            }
            var value = item[item.index(after: eq)...].trimmingSpaces
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = String(value.dropFirst().dropLast())
            }
            return (item[..<eq].trimmingSpaces, value)
        }
    }
}
