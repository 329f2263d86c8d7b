import PPMMachine
import PPMRuntime
import PPMScript
import SystemCalls

/// The phrases `why` builds its paragraph from: times, spans, exits,
/// readiness kinds.
extension WhyExplainer {
    /// `4.2 s`, `3 min 12 s`, `2 h 5 min`, `3 d 4 h`.
    static func span(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 60 { return DecimalText.fixed(s, decimals: 1) + " s" }
        let whole = Int(s)
        func pair(_ big: Int, _ bigUnit: String, _ small: Int, _ smallUnit: String) -> String {
            small == 0 ? "\(big) \(bigUnit)" : "\(big) \(bigUnit) \(small) \(smallUnit)"
        }
        if whole < 3600 { return pair(whole / 60, "min", whole % 60, "s") }
        if whole < 86400 { return pair(whole / 3600, "h", whole % 3600 / 60, "min") }
        return pair(whole / 86400, "d", whole % 86400 / 3600, "h")
    }

    /// `12:00:05 UTC (4.2 s ago)` or `(in 4.2 s)`.
    static func when(_ time: Double, now: Double) -> String {
        let utc = ServiceEvent.utc(time)
        let clock = utc.dropFirst(11).prefix(8)
        let relative = time > now ? "in \(span(time - now))" : "\(span(now - time)) ago"
        return "\(clock) UTC (\(relative))"
    }

    /// The first line of `text`, without control characters, at most 200 characters.
    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let clean = String(line.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : Character($0) })
        return clean.count > 200 ? String(clean.prefix(199)) + "…" : clean
    }

    /// The last non-empty line of `text` (a tail's), cleaned as `oneLine`.
    static func lastLine(_ text: String) -> String? {
        text.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) }.map { oneLine(String($0)) }
    }

    /// How an `exit` entry ended: `exited with status 1 after 0.2 s`,
    /// `was killed by signal SEGV after 3.0 s`, `was killed by the kernel:
    /// out of memory (memory_max 64M) after 0.4 s` (with the service's limits).
    static func exitPhrase(_ e: JournalEntry, _ limits: CgroupLimits = CgroupLimits()) -> String {
        let runtime = e.fields["runtime"]?.doubleValue.map { " after \(span($0))" } ?? ""
        let outcome = e.fields["outcome"]?.stringValue
        if e.fields["oom"]?.boolValue == true {
            let limit = limits.memoryMax.map { " (memory_max \(CgroupLimits.sizeText($0)))" } ?? ""
            return "was killed by the kernel: out of memory\(limit)\(runtime)"
        }
        if let name = e.fields["signame"]?.stringValue {
            if outcome == "stopped" { return "ended on SIG\(name)\(runtime), when it was stopped" }
            let notOurs = name == "KILL" ? " (not sent by ppm-lua: another process, or the kernel's OOM killer)" : ""
            return "was killed by signal \(name)\(notOurs)\(runtime)"
        }
        if let result = e.fields["result"]?.intValue { return "exited with status \(result)\(runtime)" }
        return "exited (its status is unknown)\(runtime)"
    }

    /// Why the exit happened when the daemon caused it: not ready in time, unhealthy.
    static func exitCause(_ e: JournalEntry) -> String? {
        if let error = e.fields["error"]?.stringValue { return "its start failed: \(oneLine(error))" }
        if e.fields["cause"]?.stringValue == "unhealthy" { return "ppm-lua stopped it because it was unhealthy" }
        return nil
    }

    /// `: "Error: port 8080 in use"` (its last line on stderr), or empty.
    static func tailQuote(_ e: JournalEntry) -> String {
        guard let tail = e.fields["tail"]?.stringValue, let line = lastLine(tail) else { return "" }
        return "; its last output line was \"\(line)\""
    }

    /// What a readiness kind waits for.
    static func readyWait(_ ready: ReadySpec) -> String {
        switch ready {
        case .started: "nothing (it is ready once spawned)"
        case .notify: "READY=1 on $NOTIFY_SOCKET (sd_notify)"
        case .fd(let n): "a newline on its descriptor \(n)"
        case .log(let pattern): "an output line matching \"\(oneLine(pattern))\""
        case .probe(let probe): probeWait(probe)
        }
    }

    /// What a probe checks.
    static func probeWait(_ probe: Probe) -> String {
        switch probe {
        case .tcp(let address): "a TCP connection to \(address)"
        case .http(let url): "GET \(url) to answer 2xx or 3xx"
        case .exec(let cmd): "`\(ShellWords.join(cmd))` to exit 0"
        case .function: "its Lua probe function to return true"
        }
    }

    /// `1 crash`, `3 crashes`.
    static func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
}
