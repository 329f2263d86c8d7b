import ArgumentParser
import Glibc
import PPMClient
import PPMClientCommands
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
