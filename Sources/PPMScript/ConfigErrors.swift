import LuaKit

/// Makes every config error name `FILE:LINE` (SPEC 5.1): the line of the
/// misspelt or wrong field rather than of `ppm.service {`, and the line
/// where a loop or a memory hog was stopped.
enum ConfigErrors {
    /// `error`, raised while the config at `path` ran, located as precisely
    /// as `source` allows. `fault` is where a timeout or the memory cap stopped Lua.
    static func locate(_ error: LuaError, path: String, source: String, fault: String?) -> LuaError {
        switch error {
        case .timeout(let seconds, let traceback):
            return .runtime(
                message: "\(fault ?? path): the config ran past its \(LuaError.formatSeconds(seconds)) time budget (an endless loop?)",
                traceback: traceback)
        case .memoryLimit(let bytes):
            return .runtime(
                message: "\(fault ?? path): the config went past the Lua memory limit of \(LuaError.formatBytes(bytes))",
                traceback: "")
        case .runtime(let message, let traceback):
            return .runtime(message: positioned(fieldLine(message, path: path, source: source), path: path), traceback: traceback)
        case .syntax(let message):
            return .syntax(positioned(message, path: path))
        default:
            return error
        }
    }

    /// `message` naming the file when Lua gave no position ("C stack overflow").
    private static func positioned(_ message: String, path: String) -> String {
        message.hasPrefix(path + ":") ? message : "\(path): \(message)"
    }

    /// `PATH:N: LABEL: 'field' ...` with N moved from the call's first line
    /// to the line where the field is written.
    static func fieldLine(_ message: String, path: String, source: String) -> String {
        guard message.hasPrefix(path + ":") else { return message }
        let rest = message.dropFirst(path.count + 1)
        let digits = rest.prefix { $0.isNumber }
        guard let line = Int(digits), rest.dropFirst(digits.count).hasPrefix(": ") else { return message }
        let text = rest.dropFirst(digits.count + 2)
        guard let field = field(in: text), let found = lineOf(field, in: source, from: line) else { return message }
        return "\(path):\(found): \(text)"
    }

    /// The field an error is about: the quoted name after the label
    /// (`service 'web': 'restart' must be…`, `…: unknown field 'comand'…`).
    static func field(in text: Substring) -> String? {
        guard let colon = text.firstRange(of: ": ") else { return nil }
        var detail = text[colon.upperBound...]
        for lead in ["unknown field ", "unknown setting "] where detail.hasPrefix(lead) { detail = detail.dropFirst(lead.count) }
        guard detail.first == "'", let end = detail.dropFirst().firstIndex(of: "'") else { return nil }
        let quoted = detail[detail.index(after: detail.startIndex)..<end]
        return quoted.split(separator: ".").last.map(String.init)
    }

    /// The first line, from `start` on (1-based), where `field` is assigned
    /// (`field =`, not `field ==`).
    static func lineOf(_ field: String, in source: String, from start: Int) -> Int? {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard start >= 1 else { return nil }
        for number in start...max(start, min(lines.count, start + 500)) where number <= lines.count {
            let line = Array(lines[number - 1].utf8)
            let name = Array(field.utf8)
            var i = 0
            while i + name.count <= line.count {
                defer { i += 1 }
                guard Array(line[i..<i + name.count]) == name else { continue }
                if i > 0 && isWordByte(line[i - 1]) { continue }
                var j = i + name.count
                if j < line.count && isWordByte(line[j]) { continue }
                while j < line.count && (line[j] == 32 || line[j] == 9) { j += 1 }
                if j < line.count && line[j] == UInt8(ascii: "=") && (j + 1 == line.count || line[j + 1] != UInt8(ascii: "=")) {
                    return number
                }
            }
        }
        return nil
    }

    private static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95
    }
}

extension ConfigErrors {
    /// User text quoted in an error, cut to 80 characters so that a huge
    /// name or key still gives a one-line error a person can read.
    static func clip(_ text: String) -> String {
        guard text.count > 80 else { return text }
        return String(text.prefix(80)) + "… (\(text.utf8.count) bytes)"
    }
}
