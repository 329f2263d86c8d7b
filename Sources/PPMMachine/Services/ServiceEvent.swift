/// Something that happened to a service: the event table of SPEC 5.2.
package struct ServiceEvent: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case start, exit, stop, fatal
        case spawnFailed = "spawn_failed"
        /// A process left running by a daemon that was killed was taken over
        /// (`adopted`, SPEC 3).
        case adopted
        /// It said it is ready (`ready =`, SPEC 9), `after` seconds from its spawn.
        case ready
        /// `failures` health checks failed in a row (`error`: the last one's message).
        case unhealthy
        /// A health check passed after none had, or after it was unhealthy.
        case healthy
        /// A stop went on to the next step of its ladder (SPEC 10): `signame`
        /// sent `after` seconds from the stop's start (SIGKILL after the last).
        case stopStep = "stop_step"
        /// A `stop_cmd` or `post_stop` command failed (`field`, `cmd`, `error`, `tail`).
        case commandFailed = "command_failed"
    }

    package var kind: Kind
    package var name: String
    package var pid: Int32?
    package var status: ExitStatus?
    package var runtime: Double?
    package var starts: Int
    package var crashes: Int
    package var outcome: Outcome?
    package var time: Double
    package var error: String?
    /// For `exit`: up to the last 10 lines the process wrote to stderr
    /// (stdout when stderr had none), filled in by the loop from the capture.
    package var tail: String?
    /// For `exit`: why the daemon ended the run when not on request (`unhealthy`).
    package var cause: String?
    /// Fields of one kind only (`after` of `ready`, `failures` of `unhealthy`).
    package var extra: [String: JSONValue] = [:]

    package init(
        kind: Kind, name: String, pid: Int32? = nil, status: ExitStatus? = nil, runtime: Double? = nil,
        starts: Int, crashes: Int, outcome: Outcome? = nil, time: Double, error: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.pid = pid
        self.status = status
        self.runtime = runtime
        self.starts = starts
        self.crashes = crashes
        self.outcome = outcome
        self.time = time
        self.error = error
    }

    /// The fields that apply, by their SPEC names (`type` and `name` excluded).
    package var fields: [String: JSONValue] {
        var f: [String: JSONValue] = ["starts": .init(starts), "crashes": .init(crashes), "utc": .string(Self.utc(time))]
        if let pid { f["pid"] = .init(pid) }
        if let r = status?.result { f["result"] = .init(r) }
        if let s = status?.signal {
            f["signal"] = .init(s)
            f["signame"] = .string(Signals.name(s))
        }
        if status == .unknown { f["status"] = .string("unknown") }
        if let runtime { f["runtime"] = .double(runtime) }
        if let outcome { f["outcome"] = .string(outcome.rawValue) }
        if let error { f["error"] = .string(error) }
        if let tail { f["tail"] = .string(tail) }
        if let cause { f["cause"] = .string(cause) }
        for (key, value) in extra { f[key] = value }
        return f
    }

    /// ISO-8601 UTC text with milliseconds, e.g. `2026-11-22T21:28:11.821Z`
    /// (the civil date computed here, as `gmtime_r` would: the core calls no libc).
    package static func utc(_ time: Double) -> String {
        let whole = time.rounded(.down)
        let seconds = Int64(whole)
        let millis = Int64((time - whole) * 1000)
        let (days, second) = (seconds.floorDivided(by: 86_400), seconds.floorModulo(86_400))
        let (year, month, day) = civilDate(daysSince1970: days)
        let fields: [(Int64, Int, UInt8)] = [
            (year, 4, UInt8(ascii: "-")), (month, 2, UInt8(ascii: "-")),
            (day, 2, UInt8(ascii: "T")), (second / 3600, 2, UInt8(ascii: ":")),
            (second / 60 % 60, 2, UInt8(ascii: ":")), (second % 60, 2, UInt8(ascii: ".")), (millis, 3, UInt8(ascii: "Z")),
        ]
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var at = 0
            for (value, width, separator) in fields {
                var v = max(0, value)
                for i in stride(from: width - 1, through: 0, by: -1) {
                    buffer[at + i] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
                buffer[at + width] = separator
                at += width + 1
            }
            return at
        }
    }
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard
/// Hinnant's `civil_from_days`): year, month 1...12, day 1...31.
private func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = days + 719_468
    let era = z.floorDivided(by: 146_097)
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March
    let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

extension Int64 {
    /// The quotient rounded toward minus infinity.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }

    /// The remainder of `floorDivided(by:)`: 0 ..< divisor for a positive divisor.
    fileprivate func floorModulo(_ divisor: Int64) -> Int64 { self - floorDivided(by: divisor) * divisor }
}
