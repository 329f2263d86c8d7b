import Foundation

/// Something that happened to a service: the event table of SPEC 5.2.
public struct ServiceEvent: Sendable {
    public enum Kind: String, Sendable {
        case start, exit, stop, fatal
        case spawnFailed = "spawn_failed"
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
        if let runtime { f["runtime"] = .double(runtime) }
        if let outcome { f["outcome"] = .string(outcome.rawValue) }
        if let error { f["error"] = .string(error) }
        return f
    }

    /// ISO-8601 UTC text with milliseconds.
    public static func utc(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }
}
