import ArgumentParser
import Glibc
import PPMClient
import PPMClientCommands
import PPMMachine
import PPMProtocol
import PPMRuntime
import SystemCalls

/// `ppm-lua status`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's pid, uptime, version and config.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        StatusView.show(try client.callRaw("status"), json: json)
    }
}

/// `ppm-lua ls` (alias `list`, `info`).
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the services.", aliases: ["list", "info"])
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        if json {
            let connection = try client.connect()
            do { return try printJSON(streaming: "ls", from: connection) } catch { throw fail(error) }
        }
        ListView.show(try client.call("ls", ListView.tableFields))
    }
}

/// `ppm-lua stats`.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "CPU, memory, uptime and restarts per service.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        if json { return printJSON(raw: try client.callRaw("stats", parsing: false).raw) }
        let rows = try client.call("stats").arrayValue ?? []
        // LIMITS only when a service has some: `memory_max 32M/12.5M, pids_max 20/3`.
        let limited = rows.contains { $0["limits"] != nil }
        printTable(
            ["NAME", "PID", "CPU%", "RSS", "UPTIME", "RESTARTS"] + (limited ? ["LIMITS (MAX/USED)"] : []),
            rows.map { r in
                let rss = Double(r["rss"]?.intValue ?? 0) / 1_048_576
                let running = r["pid"]?.intValue != nil
                return [
                    r["name"]?.stringValue ?? "?", r["pid"]?.intValue.map(String.init) ?? "-",
                    running ? DecimalText.fixed(r["cpu"]?.doubleValue ?? 0, decimals: 1) : "-",
                    running ? DecimalText.fixed(rss, decimals: 1) + " MiB" : "-",
                    formatDuration(r["uptime"]?.doubleValue), String(r["restarts"]?.intValue ?? 0),
                ] + (limited ? [LimitsText.line(r["limits"], verbose: false) ?? "-"] : [])
            })
    }
}
