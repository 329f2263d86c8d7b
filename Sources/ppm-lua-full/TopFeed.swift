import PPMClient
import PPMClientCommands
import PPMMachine
import PPMRuntime
import PPMTerminal

/// The services as the `watch` subscription tells them (SPEC 11): every
/// one first, then the changed and removed ones, and a stats sample each
/// second; read into the rows `top` shows. Uptimes are kept as start
/// times, so they go on counting between messages.
struct TopFeed {
    private struct Entry {
        var service: JSONValue
        /// When it started, on this client's monotonic clock (nil: not running).
        var startedAt: Double?
        var cpu: Double?
        var rss: Int64?
    }

    private var entries: [String: Entry] = [:]
    /// The daemon's pid, from the first message.
    private(set) var daemonPid: Int32?
    /// When the daemon started, on this client's monotonic clock.
    private(set) var daemonStartedAt: Double?

    /// Takes one message of the subscription, received at `now`.
    mutating func apply(_ message: JSONValue, now: Double) {
        if let daemon = message["daemon"] {
            daemonPid = daemon["pid"]?.intValue.map { Int32(truncatingIfNeeded: $0) } ?? daemonPid
            if let uptime = daemon["uptime"]?.doubleValue { daemonStartedAt = now - uptime }
        }
        if let services = message["services"]?.arrayValue {
            let old = entries
            entries = [:]
            for service in services { put(service, now: now, keeping: old) }
        }
        for service in message["changed"]?.arrayValue ?? [] { put(service, now: now, keeping: entries) }
        for name in message["removed"]?.arrayValue ?? [] { if let name = name.stringValue { entries[name] = nil } }
        if let stats = message["stats"]?.arrayValue {
            for name in entries.keys {
                entries[name]?.cpu = nil
                entries[name]?.rss = nil
            }
            for row in stats {
                guard let name = row["name"]?.stringValue, entries[name]?.service["pid"] == row["pid"] else { continue }
                entries[name]?.cpu = row["cpu"]?.doubleValue
                entries[name]?.rss = row["rss"]?.intValue
            }
        }
    }

    private mutating func put(_ service: JSONValue, now: Double, keeping old: [String: Entry]) {
        guard let name = service["name"]?.stringValue else { return }
        var entry = Entry(service: service, startedAt: service["uptime"]?.doubleValue.map { now - $0 })
        // The last sample stays while the process does.
        if let previous = old[name], previous.service["pid"] == service["pid"], service["pid"] != .null {
            entry.cpu = previous.cpu
            entry.rss = previous.rss
        }
        entries[name] = entry
    }

    /// The rows at `now`, by name.
    func rows(now: Double) -> [TopRow] {
        entries.keys.sorted().map { name in
            let e = entries[name]!
            let s = e.service
            return TopRow(
                name: name, state: s["state"]?.stringValue ?? "?", health: s["health"]?.stringValue,
                pid: s["pid"]?.intValue.map { Int32(truncatingIfNeeded: $0) }, cpu: e.cpu, rss: e.rss,
                uptime: e.startedAt.map { now - $0 }, restarts: Int(s["restarts"]?.intValue ?? 0), lastExit: formatExit(s["last_exit"]))
        }
    }

    /// The state of service `name`, if it is known.
    func state(_ name: String) -> String? { entries[name]?.service["state"]?.stringValue }
}
