/// One service as `ppm-lua top` shows it: the figures of its row.
package struct TopRow: Equatable, Sendable {
    /// The service's name.
    package var name: String
    /// Its state (SPEC 4), lower case.
    package var state: String
    /// `healthy`, `unhealthy`, or nil (no check, or none yet).
    package var health: String?
    /// Its process, when it has one.
    package var pid: Int32?
    /// CPU percent of its processes over the last sample (nil: none yet).
    package var cpu: Double?
    /// Resident memory of its processes, in bytes (nil: none yet).
    package var rss: Int64?
    /// Seconds since it started (nil: not running).
    package var uptime: Double?
    /// How often it was restarted.
    package var restarts: Int
    /// Its last exit, as shown: `exit 3`, `signal KILL`, or `-`.
    package var lastExit: String

    /// A row with these figures.
    package init(
        name: String, state: String, health: String? = nil, pid: Int32? = nil, cpu: Double? = nil, rss: Int64? = nil,
        uptime: Double? = nil, restarts: Int = 0, lastExit: String = "-"
    ) {
        self.name = name
        self.state = state
        self.health = health
        self.pid = pid
        self.cpu = cpu
        self.rss = rss
        self.uptime = uptime
        self.restarts = restarts
        self.lastExit = lastExit
    }
}
