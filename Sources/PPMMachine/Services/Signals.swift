/// A signal the core asks to send: typed, so that a pid, a pgid or an
/// exit code cannot pass for one, and named for logs and the journal.
package struct Signal: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// Its number on Linux.
    package let rawValue: Int32

    package init(rawValue: Int32) { self.rawValue = rawValue }
    /// The signal with this number.
    package init(_ number: Int32) { rawValue = number }
    package init(integerLiteral value: Int32) { rawValue = value }

    /// SIGTERM: the default stop signal, and a clean end when nobody asked.
    package static let term: Signal = 15
    /// SIGKILL: what a stop that outlived `stop_timeout` sends.
    package static let kill: Signal = 9
    /// SIGCONT: wakes a stopped (paused) group so it can see its stop signal.
    package static let cont: Signal = 18

    /// "TERM", "KILL"…; digits for a number without a name.
    package var name: String { Signals.name(rawValue) }
    /// "SIGTERM".
    package var description: String { Int32(name) == nil ? "SIG" + name : name }
}

/// Signal names (without "SIG") and numbers on Linux.
package enum Signals {
    package static let numbers: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8,
        "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
        "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22,
        "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29,
        "PWR": 30, "SYS": 31,
    ]

    /// "TERM", "SIGTERM", "term" or "15" → 15.
    package static func number(_ text: String) -> Int32? {
        if let n = Int32(text), n > 0, n < 65 { return n }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        return numbers[name]
    }

    /// 9 → "KILL"; unknown numbers print as digits.
    package static func name(_ number: Int32) -> String {
        numbers.first { $0.value == number }?.key ?? String(number)
    }
}
