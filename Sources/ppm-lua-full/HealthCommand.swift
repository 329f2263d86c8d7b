import ArgumentParser
import Glibc
import PPMClient
import PPMClientCommands
import PPMMachine

/// `ppm-lua health [NAME…|@group] [--json]`: exit 0 when every named service
/// (by default every autostart one that is not disabled) is running and
/// not unhealthy, 1 otherwise, naming those that are not. For Docker's
/// `HEALTHCHECK` and Kubernetes exec probes.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Exit 0 if the services are running and healthy, 1 otherwise (container health checks).")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON: each service's name, state, health and whether it passes.") var json = false
    @Argument(help: "Services, @groups or 'all' (default: every autostart service that is not disabled).")
    var names: [String] = []

    func run() throws {
        let list = try client.call("ls", ["fields": .init(["name", "state", "health", "groups", "autostart", "once"])]).arrayValue ?? []
        var wanted: [JSONValue] = []
        if names.isEmpty {
            wanted = list.filter { $0["autostart"]?.boolValue != false && $0["state"]?.stringValue != "disabled" }
        } else {
            for word in names {
                let matches = list.filter { s in
                    word == "all" || s["name"]?.stringValue == word
                        || (word.hasPrefix("@") && (s["groups"]?.arrayValue ?? []).contains { $0.stringValue == String(word.dropFirst()) })
                }
                guard !matches.isEmpty else {
                    printError("unknown service '\(word)'")
                    throw ExitCode.failure
                }
                wanted += matches.filter { m in !wanted.contains { $0["name"] == m["name"] } }
            }
        }
        let verdicts = wanted.map { s -> (name: String, state: String, health: String?, ok: Bool) in
            let state = s["state"]?.stringValue ?? "?"
            let health = s["health"]?.stringValue
            let ok = ServiceState(rawValue: state)?.passesHealth(health.flatMap(Health.init(rawValue:)), once: s["once"]?.boolValue == true) ?? false
            return (s["name"]?.stringValue ?? "?", state, health, ok)
        }
        if json {
            printJSON(
                JSONValue.array(
                    verdicts.map { v in
                        .object(["name": .string(v.name), "state": .string(v.state), "health": .init(v.health), "ok": .bool(v.ok)])
                    }))
        } else {
            for v in verdicts where !v.ok {
                print("\(v.name): \(v.health == "unhealthy" ? "unhealthy" : v.state)")
            }
        }
        if verdicts.contains(where: { !$0.ok }) { throw ExitCode.failure }
    }
}
