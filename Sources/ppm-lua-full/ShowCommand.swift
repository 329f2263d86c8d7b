import ArgumentParser
import Glibc
import PPMClient
import PPMClientCommands
import PPMMachine
import PPMRuntime
import PPMScript
import PPMTerminal
import SystemCalls

/// `ppm-lua show NAME` (alias `desc`): the spec, the state and why.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show everything about one service.", aliases: ["desc"])
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "The service.") var name: String

    func run() throws {
        let reply = try client.callRaw("show", ["name": .string(name)])
        if json { return printJSON(raw: reply.raw) }
        let s = reply.value
        func text(_ key: String) -> String? { s[key]?.stringValue }
        func list(_ key: String) -> String {
            let items = (s[key]?.arrayValue ?? []).compactMap(\.stringValue)
            return items.isEmpty ? "-" : items.joined(separator: ", ")
        }
        let env = (s["env"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
            .map { "\($0.key)=\(ShellWords.join([$0.value.stringValue ?? ""]))" }
        let envFiles = (s["spec"]?["env_file"]?.arrayValue ?? []).compactMap(\.stringValue)
        let headRows: [(String, String)] = [
            ("name", text("name") ?? name),
            ("state", Style.state(text("state") ?? "?") + (Self.why(s).map { " (\($0))" } ?? "")),
            ("pid", s["pid"]?.intValue.map(String.init) ?? "-"),
            ("command", ShellWords.join((s["cmd"]?.arrayValue ?? []).compactMap(\.stringValue))),
            ("dir", text("dir") ?? "-"),
            ("env", env.isEmpty ? "-" : env.joined(separator: " ")),
        ]
        let fileRows: [(String, String)] = envFiles.isEmpty ? [] : [("env_file", envFiles.joined(separator: ", "))]
        let restRows: [(String, String)] =
            [
                ("user", text("user") ?? "-"),
                ("autostart", s["autostart"]?.boolValue == false ? "no" : "yes"),
                ("restart", (text("restart") ?? "?") + (s["once"]?.boolValue == true ? " (once)" : "")),
                ("requires", list("requires")),
                ("ready", Self.readiness(s)),
                ("groups", list("groups")),
            ] + Self.stoppingRows(s) + [
                ("hooks", list("hooks")),
                ("starts", String(s["starts"]?.intValue ?? 0)),
                ("restarts", String(s["restarts"]?.intValue ?? 0)),
                ("crashes", String(s["crashes"]?.intValue ?? 0)),
                ("uptime", formatDuration(s["uptime"]?.doubleValue)),
                ("last exit", Self.lastExit(s["last_exit"])),
                ("stdout", text("stdout") ?? "-"),
                ("stderr", text("stderr") ?? "-"),
            ] + (text("cgroup").map { [("cgroup", $0)] } ?? [])
            + (LimitsText.line(s["limits"]).map { [("limits", $0)] } ?? [])
            + Self.healthRows(s)
            // What the service said of itself with sd_notify's STATUS= (its own text: control bytes escaped).
            + (text("status_text").map { [("status", TerminalText.visible($0))] } ?? [])
            + Self.notifiedRows(s)
        for (k, v) in headRows + fileRows + restRows + Self.outputWaiting(s) { print(padded(k, to: 11) + v) }
    }

    /// The health verdict with the last check's message.
    static func healthRows(_ s: JSONValue) -> [(String, String)] {
        let check = s["health_check"]?.stringValue
        guard let health = s["health"]?.stringValue else { return check.map { [("health", "\($0) check (no verdict yet)")] } ?? [] }
        let message = s["probe_message"]?.stringValue.map { ": " + TerminalText.visible($0) } ?? ""
        return [("health", health + message)]
    }

    /// What the current run said of itself with sd_notify's `ERRNO=` and `STOPPING=1`.
    static func notifiedRows(_ s: JSONValue) -> [(String, String)] {
        var rows: [(String, String)] = []
        if let number = s["errno"]?.intValue { rows.append(("errno", errnoText(number))) }
        if s["stopping_notified"]?.boolValue == true { rows.append(("notified", "STOPPING=1 (it is shutting down)")) }
        return rows
    }

    /// `2 (No such file or directory)`.
    static func errnoText(_ number: Int64) -> String {
        let name = number > 0 && number < 4096 ? String(cString: strerror(Int32(number))) : nil
        return String(number) + (name.map { " (\($0))" } ?? "")
    }

    /// The readiness kind, with the last probe's message while it is starting.
    static func readiness(_ s: JSONValue) -> String {
        let kind = s["ready"]?.stringValue ?? "started"
        guard s["state"]?.stringValue == "starting", s["pid"]?.intValue != nil else { return kind }
        return kind + " (not ready yet" + (s["probe_message"]?.stringValue.map { ": \(TerminalText.visible($0))" } ?? "") + ")"
    }

    /// While its log file cannot be written (`disk_full`): its output waits in its pipe.
    static func outputWaiting(_ s: JSONValue) -> [(String, String)] {
        guard let disk = s["disk_full"] ?? s["write_error"], let error = disk["error"]?.stringValue else { return [] }
        return [("output", "waiting in its pipe: \(error) (\(disk["path"]?.stringValue ?? "?") cannot be written)")]
    }

    /// Why a service waits or gave up: backoff, `requires`, spawn failures.
    static func why(_ s: JSONValue) -> String? {
        let failures = s["spawn_failures"]?.intValue ?? 0
        let error = s["last_error"]?.stringValue
        switch s["state"]?.stringValue {
        case "waiting":
            if let blocked = s["blocked"]?.stringValue { return "will not start: \(blocked)" }
            if let next = scheduledNext(s) { return next }
            let waitingFor = (s["waiting_for"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !waitingFor.isEmpty { return "waiting for \(waitingFor.joined(separator: ", ")) to run" }
            var parts: [String] = []
            if let error { parts.append("spawn failed: \(error)") }
            let crashes = s["crashes"]?.intValue ?? 0
            if let due = s["starts_in"]?.doubleValue {
                parts.append(
                    (crashes > 0 && error == nil ? "backoff after \(crashes) crash\(crashes == 1 ? "" : "es"), " : "")
                        + "starts in \(formatSeconds(due))")
            }
            return parts.isEmpty ? nil : parts.joined(separator: "; ")
        case "fatal":
            if failures > 0, let error { return "\(failures) spawn failure\(failures == 1 ? "" : "s") in a row: \(error)" }
            return "gave up: a hook, policy or limit said fatal"
        case "crashed":
            return error.map { "spawn failed: \($0)" }
        case "starting" where s["pid"]?.intValue == nil:
            return "its pre_start commands run"
        default:
            return nil
        }
    }

    /// `status 3 after 0.2 s, 2026-11-23T16:42:10.045Z` or `signal KILL after …`.
    static func lastExit(_ e: JSONValue?) -> String {
        guard let e, e != .null else { return "-" }
        let how = e["signal"]?.intValue.map { "signal \(Signals.name(Int32($0)))" } ?? "status \(e["result"]?.intValue ?? 0)"
        let runtime = e["runtime"]?.doubleValue.map { " after \(formatSeconds($0))" } ?? ""
        let time = e["time"]?.doubleValue.map { ", " + ServiceEvent.utc($0) } ?? ""
        let errno = e["errno"]?.intValue.map { ", ERRNO=" + errnoText($0) } ?? ""
        return how + runtime + time + errno
    }
}

/// "0.2 s", "12.0 s".
func formatSeconds(_ s: Double) -> String { DecimalText.fixed(s, decimals: 1) + " s" }
