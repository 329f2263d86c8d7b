/// One assignment of systemd's `sd_notify` protocol that ppm-lua acts on
/// (SPEC 9, "sd_notify"). A datagram holds newline-separated `KEY=VALUE`
/// lines; `parse` keeps those it knows with a well-formed value, in order.
enum NotifyMessage: Equatable, Sendable {
    /// `READY=1`: start-up (or a reload) is complete.
    case ready
    /// `RELOADING=1`, with `MONOTONIC_USEC=` when the same datagram has it.
    case reloading(monotonicMicroseconds: UInt64?)
    /// `STOPPING=1`: the service is shutting down.
    case stopping
    /// `STATUS=…`: free text describing the service's state (may be empty).
    case status(String)
    /// `WATCHDOG=1`: the service is alive.
    case watchdog
    /// `WATCHDOG=trigger`: the service asks to be treated as hung.
    case watchdogTrigger
    /// `WATCHDOG_USEC=…`: the service resets its watchdog interval.
    case watchdogInterval(microseconds: UInt64)
    /// `EXTEND_TIMEOUT_USEC=…`: the current start or stop needs this much longer.
    case extendTimeout(microseconds: UInt64)
    /// `MAINPID=…`: the service's main process is now this one.
    case mainPID(Int32)
    /// `ERRNO=…`: the service failed with this errno.
    case errno(Int32)
    /// `BARRIER=1`: the sender waits until the descriptor it passed is closed.
    case barrier

    /// The messages of one datagram. Unknown keys, lines without `=`, values
    /// out of range, and lines that are not UTF-8 or hold a NUL are skipped.
    static func parse(_ bytes: some Collection<UInt8>) -> [NotifyMessage] {
        var messages: [NotifyMessage] = []
        var monotonic: UInt64?
        var reloadingAt: Int?
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            guard !line.contains(0), let equals = line.firstIndex(of: UInt8(ascii: "=")),
                let key = String(validating: line[line.startIndex..<equals], as: UTF8.self),
                let value = String(validating: line[line.index(after: equals)...], as: UTF8.self)
            else { continue }
            switch key {
            case "READY": if value == "1" { messages.append(.ready) }
            case "RELOADING":
                if value == "1" {
                    reloadingAt = messages.count
                    messages.append(.reloading(monotonicMicroseconds: nil))
                }
            case "MONOTONIC_USEC": monotonic = number(value)
            case "STOPPING": if value == "1" { messages.append(.stopping) }
            case "STATUS": messages.append(.status(value))
            case "WATCHDOG":
                if value == "1" { messages.append(.watchdog) } else if value == "trigger" { messages.append(.watchdogTrigger) }
            case "WATCHDOG_USEC": if let n = number(value), n > 0 { messages.append(.watchdogInterval(microseconds: n)) }
            case "EXTEND_TIMEOUT_USEC": if let n = number(value) { messages.append(.extendTimeout(microseconds: n)) }
            case "MAINPID": if let n = number(value), n > 0, n <= UInt64(Int32.max) { messages.append(.mainPID(Int32(n))) }
            case "ERRNO": if let n = number(value), n <= UInt64(Int32.max) { messages.append(.errno(Int32(n))) }
            case "BARRIER": if value == "1" { messages.append(.barrier) }
            default: continue
            }
        }
        if let at = reloadingAt, let monotonic { messages[at] = .reloading(monotonicMicroseconds: monotonic) }
        return messages
    }

    /// A decimal number without sign, spaces or overflow (what systemd's `safe_atou64` takes, minus its leniency).
    private static func number(_ text: String) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(text)
    }
}
