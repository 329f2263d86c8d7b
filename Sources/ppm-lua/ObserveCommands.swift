import ArgumentParser
import Glibc
import PPMControl
import PPMCore

/// `ppm-lua status`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's pid, uptime, version and config.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let reply = try client.callRaw("status")
        if json { return printJSON(raw: reply.raw) }
        let s = reply.value
        print("pid       \(s["pid"]?.intValue ?? 0)")
        print("uptime    \(formatDuration(s["uptime"]?.doubleValue))")
        print("version   \(s["version"]?.stringValue ?? "?")")
        print("config    \(s["config"]?.stringValue ?? "(none)")")
        print("home      \(s["home"]?.stringValue ?? "?")")
        print("services  \(s["services"]?.intValue ?? 0)")
    }
}

/// `ppm-lua ls` (alias `list`, `info`).
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the services.", aliases: ["list", "info"])
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let reply = try client.callRaw("ls")
        if json { return printJSON(raw: reply.raw) }
        let list = reply.value
        printTable(["NAME", "STATE", "PID", "STARTS", "UPTIME", "LAST EXIT"], (list.arrayValue ?? []).map { s in
            [s["name"]?.stringValue ?? "?", s["state"]?.stringValue ?? "?", s["pid"]?.intValue.map(String.init) ?? "-",
             String(s["starts"]?.intValue ?? 0), formatDuration(s["uptime"]?.doubleValue), formatExit(s["last_exit"])]
        })
    }
}

/// `ppm-lua show NAME` (alias `desc`).
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show everything about one service.", aliases: ["desc"])
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "The service.") var name: String

    func run() throws {
        let reply = try client.callRaw("show", ["name": .string(name)])
        if json { return printJSON(raw: reply.raw) }
        let s = reply.value
        let cmd = (s["cmd"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " ")
        let rows: [(String, String)] = [
            ("name", s["name"]?.stringValue ?? name), ("state", s["state"]?.stringValue ?? "?"),
            ("pid", s["pid"]?.intValue.map(String.init) ?? "-"), ("command", cmd),
            ("starts", String(s["starts"]?.intValue ?? 0)), ("restarts", String(s["restarts"]?.intValue ?? 0)),
            ("crashes", String(s["crashes"]?.intValue ?? 0)), ("uptime", formatDuration(s["uptime"]?.doubleValue)),
            ("last exit", formatExit(s["last_exit"])), ("restart", s["restart"]?.stringValue ?? "?"),
            ("groups", (s["groups"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")),
            ("stdout", s["stdout"]?.stringValue ?? "-"), ("stderr", s["stderr"]?.stringValue ?? "-"),
        ]
        for (k, v) in rows { print(padded(k, to: 10) + v) }
    }
}

/// `ppm-lua events [NAME] [-n N] [-f]`.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print the event journal (JSON Lines with --json).")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON Lines.") var json = false
    @Option(name: .short, help: "How many events.") var n = 20
    @Flag(name: .short, help: "Follow: keep printing new events.") var follow = false
    @Argument(help: "Only this service's events.") var name: String?

    func run() throws {
        let c = try client.connect()
        var args: [String: JSONValue] = ["n": .init(n), "follow": .bool(follow)]
        if let name { args["name"] = .string(name) }
        do {
            let first = try c.callRaw("events", args)
            for (event, raw) in zip(first.value.arrayValue ?? [], first.items) { show(event, raw: raw) }
            while follow {
                let next = try c.receiveRaw()
                show(next.value, raw: next.raw)
            }
        } catch {
            throw fail(error)
        }
    }

    private func show(_ e: JSONValue, raw: ArraySlice<UInt8>) {
        defer { fflush(nil) }  // a follower's reader sees each event at once
        if json { return printJSON(raw: raw) }
        var extra: [String] = []
        for key in ["pid", "result", "signame", "status", "outcome", "runtime", "error", "added", "cause"] {
            guard let v = e[key], v != .null else { continue }
            switch v {
            case .double(let d): extra.append("\(key)=\(Console.fixed(d, decimals: 3))")
            case .string(let s): extra.append("\(key)=\(s)")
            default: extra.append("\(key)=\(v.text)")
            }
        }
        let time = ServiceEvent.utc(e["time"]?.doubleValue ?? 0)
        print("\(time)  \(e["type"]?.stringValue ?? "?")  \(e["name"]?.stringValue ?? "-")  \(extra.joined(separator: " "))")
    }
}

/// `ppm-lua quit`.
struct QuitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "quit", abstract: "Stop every service and exit the daemon.")
    @OptionGroup var client: ClientOptions

    func run() throws {
        _ = try client.call("quit")
    }
}

/// `ppm-lua stats`.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "CPU, memory, uptime and restarts per service.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let reply = try client.callRaw("stats")
        if json { return printJSON(raw: reply.raw) }
        let rows = reply.value
        printTable(["NAME", "PID", "CPU%", "RSS", "UPTIME", "RESTARTS"], (rows.arrayValue ?? []).map { r in
            let rss = Double(r["rss"]?.intValue ?? 0) / 1_048_576
            return [r["name"]?.stringValue ?? "?", r["pid"]?.intValue.map(String.init) ?? "-",
                    Console.fixed(r["cpu"]?.doubleValue ?? 0, decimals: 1), Console.fixed(rss, decimals: 1) + " MiB",
                    formatDuration(r["uptime"]?.doubleValue), String(r["restarts"]?.intValue ?? 0)]
        })
    }
}
