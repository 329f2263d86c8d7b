import Glibc

/// Something that happened to a service: the event table of SPEC 5.2.
public struct ServiceEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
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

    public var kind: Kind
    public var name: String
    public var pid: Int32?
    public var status: ExitStatus?
    public var runtime: Double?
    public var starts: Int
    public var crashes: Int
    public var outcome: Outcome?
    public var time: Double
    public var error: String?
    /// For `exit`: up to the last 10 lines the process wrote to stderr
    /// (stdout when stderr had none), filled in by the loop from the capture.
    public var tail: String?
    /// For `exit`: why the daemon ended the run when not on request (`unhealthy`).
    public var cause: String?
    /// Fields of one kind only (`after` of `ready`, `failures` of `unhealthy`).
    public var extra: [String: JSONValue] = [:]

    public init(kind: Kind, name: String, pid: Int32? = nil, status: ExitStatus? = nil, runtime: Double? = nil,
                starts: Int, crashes: Int, outcome: Outcome? = nil, time: Double, error: String? = nil) {
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
    public var fields: [String: JSONValue] {
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

    /// ISO-8601 UTC text with milliseconds, e.g. `2026-11-22T21:28:11.821Z`.
    public static func utc(_ time: Double) -> String {
        var seconds = time_t(time.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int32((time - time.rounded(.down)) * 1000)
        let fields: [(Int32, Int, UInt8)] = [
            (parts.tm_year + 1900, 4, UInt8(ascii: "-")), (parts.tm_mon + 1, 2, UInt8(ascii: "-")),
            (parts.tm_mday, 2, UInt8(ascii: "T")), (parts.tm_hour, 2, UInt8(ascii: ":")),
            (parts.tm_min, 2, UInt8(ascii: ":")), (parts.tm_sec, 2, UInt8(ascii: ".")), (millis, 3, UInt8(ascii: "Z")),
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
