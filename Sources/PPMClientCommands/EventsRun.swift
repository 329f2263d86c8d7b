import Glibc
import PPMClient
import PPMMachine

/// What `ppm-lua events` does once its words are read (by the parser, or
/// by `QuickCommand`): prints the journal's last `n` events, of `name`
/// alone when given, and with `follow` the new ones as they come.
package struct EventsRun {
    /// Where the daemon is.
    package let target: DaemonTarget
    /// JSON Lines instead of columns.
    package let json: Bool
    /// How many events of the backlog.
    package let n: Int
    /// Keep printing new events.
    package let follow: Bool
    /// Only this service's events.
    package let name: String?

    /// Prints the events; exits 1 (3 without a daemon) when a request fails.
    /// The run these words ask for.
    package init(target: DaemonTarget, json: Bool, n: Int, follow: Bool, name: String?) {
        (self.target, self.json, self.n, self.follow, self.name) = (target, json, n, follow, name)
    }

    package func run() throws {
        var c = try target.connect()
        let daemon = c.daemonPid
        var args: [String: JSONValue] = ["n": .init(n), "follow": .bool(follow)]
        if let name { args["name"] = .string(name) }
        /// The last event shown: a follower that reconnects resumes after it.
        var last: Int64?
        do throws(any Error) {
            let first = try c.callRaw("events", args)
            let backlog = first.value.arrayValue ?? []
            // Columns as wide as the backlog needs (followed events use the same).
            var columns = EventColumns()
            for event in backlog { columns.fit(event) }
            for (event, raw) in zip(backlog, first.items) { show(event, raw: raw, columns, &last) }
            while follow {
                do throws(any Error) {
                    let next = try c.receiveRaw()
                    show(next.value, raw: next.raw, columns, &last)
                } catch  where Reconnect.isHangUp(error) {
                    // An upgrade: the same daemon answers again; what it journaled meanwhile comes first.
                    var resume = args
                    if let last { resume["after"] = .int(last) } else { resume["n"] = .init(0) }
                    let missed: ControlResult
                    (c, missed) = try Reconnect.resume(target, pid: daemon) { try $0.callRaw("events", resume) }
                    for (event, raw) in zip(missed.value.arrayValue ?? [], missed.items) { show(event, raw: raw, columns, &last) }
                }
            }
        } catch {
            throw ClientExit.report(error)
        }
    }

    private func show(_ e: JSONValue, raw: ArraySlice<UInt8>, _ columns: EventColumns, _ last: inout Int64?) {
        defer { fflush(nil) }  // a follower's reader sees each event at once
        if let seq = e["seq"]?.intValue {
            guard last.map({ seq > $0 }) ?? true else { return }  // seen before the hang-up
            last = seq
        }
        if json { return printJSON(raw: raw) }
        print(columns.line(e))
    }
}
