import ArgumentParser
import Glibc
import PPMMachine
import PPMProtocol
import PPMRuntime

/// `ppm-lua status`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the daemon's pid, uptime, version and config.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        Self.show(try client.callRaw("status"), json: json)
    }

    /// Prints the daemon's `status` reply (also `QuickCommand`'s).
    static func show(_ reply: ControlResult, json: Bool) {
        if json { return printJSON(raw: reply.raw) }
        let s = reply.value
        print("pid       \(s["pid"]?.intValue ?? 0)")
        print("uptime    \(formatDuration(s["uptime"]?.doubleValue))")
        print("version   \(s["version"]?.stringValue ?? "?")")
        print("config    \(s["config"]?.stringValue ?? "(none)")")
        print("home      \(s["home"]?.stringValue ?? "?")")
        print("services  \(s["services"]?.intValue ?? 0)")
        if let listen = s["listen"]?.stringValue { print("listen    \(listen) (TCP)") }
        if let failed = s["reload_error"], let error = failed["error"]?.stringValue {
            let line = error.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? error
            print("warning   last reload failed at \(failed["utc"]?.stringValue ?? "?"): \(line) (the config loaded before keeps running)")
        }
        if let disk = s["disk_full"] ?? s["write_error"], let error = disk["error"]?.stringValue {
            print("warning   \(error): \(disk["path"]?.stringValue ?? "?") cannot be written; run-time changes are refused, captured output waits")
        }
        if let cgroups = s["cgroups"]?.stringValue {
            print("cgroups   \(cgroups) (one per service)")
        } else if let off = s["cgroups_off"]?.stringValue {
            print("cgroups   off, process groups only: \(off)")
        }
    }
}

/// `ppm-lua ls` (alias `list`, `info`).
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the services.", aliases: ["list", "info"])
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false

    /// The members of each service the table needs: the daemon sends only those.
    static let tableFields: [String: JSONValue] = [
        "fields": .init(["name", "state", "pid", "starts", "uptime", "last_exit", "health", "health_check", "scheduled", "starts_in"])
    ]

    func run() throws {
        if json { return printJSON(raw: try client.callRaw("ls", parsing: false).raw) }
        Self.show(try client.call("ls", Self.tableFields))
    }

    /// Prints the `ls` reply asked with `tableFields` as a table (also `QuickCommand`'s).
    static func show(_ list: JSONValue) {
        let services = list.arrayValue ?? []
        // A HEALTH column when any service has a check (SPEC 9), `-` until its first verdict.
        let health = services.contains { $0["health_check"]?.stringValue != nil || $0["health"]?.stringValue != nil }
        printTable(
            ["NAME", "STATE", "PID", "STARTS", "UPTIME", "LAST EXIT"] + (health ? ["HEALTH"] : []),
            services.map { s in
                [
                    s["name"]?.stringValue ?? "?", displayState(s), s["pid"]?.intValue.map(String.init) ?? "-",
                    String(s["starts"]?.intValue ?? 0), formatDuration(s["uptime"]?.doubleValue), formatExit(s["last_exit"]),
                ]
                    + (health ? [s["health"]?.stringValue ?? "-"] : [])
            }, colour: [1: Style.state])
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
                    running ? Console.fixed(r["cpu"]?.doubleValue ?? 0, decimals: 1) : "-",
                    running ? Console.fixed(rss, decimals: 1) + " MiB" : "-",
                    formatDuration(r["uptime"]?.doubleValue), String(r["restarts"]?.intValue ?? 0),
                ] + (limited ? [LimitsText.line(r["limits"], verbose: false) ?? "-"] : [])
            })
    }
}
