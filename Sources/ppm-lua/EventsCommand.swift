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
        try EventsRun(target: client.target(), json: json, n: n, follow: follow, name: name).run()
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
        // Trimmed without reversed views: their generic metadata, made at run time, costs a third of `events`.
        var end = text.endIndex
        while end > text.startIndex, text[text.index(before: end)] == " " { end = text.index(before: end) }
        return String(text[..<end])
    }
}
