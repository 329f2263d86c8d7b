import ArgumentParser
import Glibc
import PPMMachine
import PPMProtocol
import PPMRuntime

/// `ppm-lua events [NAME] [-n N] [-f]`: the journal, in aligned columns
/// (JSON Lines with `--json`).
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print the event journal (JSON Lines with --json).")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON Lines.") var json = false
    @Option(name: .short, help: "How many events.") var n = 20
    @Flag(name: .short, help: "Follow: keep printing new events.") var follow = false
    @Argument(help: "Only this service's events.") var name: String?

    func run() throws {
        var c = try client.connect()
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
                    (c, missed) = try Reconnect.resume(client, pid: daemon) { try $0.callRaw("events", resume) }
                    for (event, raw) in zip(missed.value.arrayValue ?? [], missed.items) { show(event, raw: raw, columns, &last) }
                }
            }
        } catch {
            throw fail(error)
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

/// The text form of journal events: time, type and name in columns, then
/// the fields that apply as `key=value`; no trailing spaces.
struct EventColumns {
    var typeWidth = "spawn_failed".count
    var nameWidth = 4

    /// Widens the columns for `event`.
    mutating func fit(_ event: JSONValue) {
        typeWidth = max(typeWidth, event["type"]?.stringValue?.count ?? 0)
        nameWidth = max(nameWidth, event["name"]?.stringValue?.count ?? 1)
    }

    func line(_ e: JSONValue) -> String {
        var extra: [String] = []
        for key in [
            "pid", "result", "signame", "oom", "status", "outcome", "runtime", "crashes", "error", "added", "removed", "changed", "cause", "address",
            "cmd",
            "limits",
            "reason",
        ] {
            guard let v = e[key], v != .null else { continue }
            if key == "crashes" && v.intValue == 0 { continue }
            if ["added", "removed", "changed"].contains(key), v.arrayValue?.isEmpty == true { continue }
            switch v {
            case .double(let d): extra.append("\(key)=\(Console.fixed(d, decimals: 3))")
            case .string(let s): extra.append("\(key)=\(s.split(separator: "\n").first.map(String.init) ?? "")")
            default: extra.append("\(key)=\(v.text)")
            }
        }
        let time = ServiceEvent.utc(e["time"]?.doubleValue ?? 0)
        let columns = [time, padded(e["type"]?.stringValue ?? "?", to: typeWidth), padded(e["name"]?.stringValue ?? "-", to: nameWidth)]
        let text = (columns + extra).joined(separator: "  ")
        return String(text.reversed().drop { $0 == " " }.reversed())
    }
}
