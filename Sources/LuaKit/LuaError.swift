/// Why a call into Lua failed.
public enum LuaError: Error, Equatable, CustomStringConvertible {
    /// The chunk does not compile; the message reads `chunk:line: ...`.
    case syntax(String)
    /// Lua code raised an error.
    case runtime(message: String, traceback: String)
    /// The call ran past its time budget and was stopped.
    case timeout(seconds: Double, traceback: String)
    /// The call was interrupted from outside (`LuaInterrupter`).
    case interrupted(traceback: String)
    /// The state-wide memory cap refused an allocation.
    case memoryLimit(bytes: Int)
    /// A value could not be carried between Lua and Swift.
    case conversion(String)

    /// One line naming the cause.
    public var message: String {
        switch self {
        case .syntax(let m): return m
        case .runtime(let m, _): return m
        case .timeout(let s, _): return "time budget of \(LuaError.formatSeconds(s)) exceeded"
        case .interrupted: return "interrupted"
        case .memoryLimit(let bytes): return "memory limit of \(LuaError.formatBytes(bytes)) exceeded"
        case .conversion(let m): return m
        }
    }

    /// The stack traceback, when Lua code was running.
    public var traceback: String? {
        switch self {
        case .runtime(_, let t), .timeout(_, let t), .interrupted(let t): return t.isEmpty ? nil : t
        default: return nil
        }
    }

    /// The message followed by the traceback, if any.
    public var fullText: String {
        guard let t = traceback else { return message }
        return message + "\n" + t
    }

    public var description: String { message }

    /// "10 s", "0.5 s".
    public static func formatSeconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int64(s)) s" : "\(s) s"
    }

    /// "64 MiB", "12 KiB", "100 bytes".
    public static func formatBytes(_ b: Int) -> String {
        if b >= 1 << 20 && b % (1 << 20) == 0 { return "\(b >> 20) MiB" }
        if b >= 1 << 10 && b % (1 << 10) == 0 { return "\(b >> 10) KiB" }
        return "\(b) bytes"
    }

    /// The first `source:line` of Lua code in a traceback (C frames skipped).
    public static func firstPosition(_ traceback: String) -> String? {
        for line in traceback.split(separator: "\n").dropFirst() {
            let frame = line.drop { $0 == "\t" || $0 == " " }
            guard !frame.hasPrefix("["), let colon = frame.firstIndex(of: ":") else { continue }
            let rest = frame[frame.index(after: colon)...]
            let digits = rest.prefix { $0.isNumber }
            if !digits.isEmpty, rest.dropFirst(digits.count).first == ":" { return String(frame[..<colon]) + ":" + digits }
        }
        return nil
    }

    /// Splits `message\nstack traceback:...` as the message handler builds it.
    static func split(_ text: String) -> (message: String, traceback: String) {
        if let r = text.firstRange(of: "\nstack traceback:") {
            return (String(text[..<r.lowerBound]), String(text[text.index(after: r.lowerBound)...]))
        }
        return (text, "")
    }
}

/// An error a host function throws to raise a Lua error with this message.
/// The trampoline prefixes the caller's position (`ppm.lua:3: `).
public struct LuaHostError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
