/// The last control request that acted on each service (`start`, `stop`,
/// `restart`, `signal`), for `why`: the journal says a service was stopped,
/// this says who asked. Kept in memory only (a daemon restart forgets it),
/// one entry per service, so it never grows past the services known.
struct ControlRequestLog {
    /// One request as `why` tells it.
    struct Entry: Equatable {
        /// The command's main name (`stop`, `start`…).
        var cmd: String
        /// Whether it came over the TCP listener (else the unix socket).
        var remote: Bool
        /// When it was asked (unix time).
        var time: Double
        /// The signal asked for (`signal` only).
        var signal: String?

        /// `ppm-lua stop (unix socket)`.
        var description: String {
            "ppm-lua \(cmd)\(signal.map { " \($0)" } ?? "") (\(remote ? "over the TCP listener" : "on the unix socket"))"
        }
    }

    private var entries: [String: Entry] = [:]

    /// The commands it remembers, by the name the client sent.
    static let recorded: [String: String] = ["start": "start", "stop": "stop", "restart": "restart", "signal": "signal"]

    /// Remembers `cmd` for each of `names`; entries of services no longer
    /// known (`known`) are dropped once the log holds twice as many.
    mutating func note(
        _ names: [String], cmd: String, remote: Bool, time: Double, signal: String? = nil, known: Int,
        exists: (String) -> Bool
    ) {
        for name in names { entries[name] = Entry(cmd: cmd, remote: remote, time: time, signal: signal) }
        if entries.count > 2 * max(known, 64) { entries = entries.filter { exists($0.key) } }
    }

    /// The last request that acted on `name`.
    func last(_ name: String) -> Entry? { entries[name] }
}
