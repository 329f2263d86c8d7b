import ArgumentParser
import CSystem
import Glibc
import PPMClientCommands
import PPMScript

/// `ppm-lua-full`: the daemon and its whole client in one executable; the
/// front, `ppm-lua`, answers the common client commands itself and
/// executes this program with the same arguments for the rest.
@main
struct PPMLua: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "ppm-lua",
        abstract: "A process supervisor scripted in Lua.",
        version: version,
        subcommands: [
            DaemonCommand.self, CheckCommand.self, StatusCommand.self, ListCommand.self, ShowCommand.self, WhyCommand.self,
            StartCommand.self, StopCommand.self, RestartCommand.self, SignalCommand.self, RemoveCommand.self, DropCommand.self,
            AddCommand.self, ScaleCommand.self, EventsCommand.self, EvalCommand.self, ReplCommand.self, ExportCommand.self,
            InitCommand.self, StatsCommand.self, LogsCommand.self, ReloadCommand.self, QuitCommand.self, UpgradeCommand.self, FDHolderCommand.self,
            TestCommand.self, ImportCommand.self, HealthCommand.self, TopCommand.self,
        ]
    )

    /// The subcommands' names and aliases, as the parser knows them.
    static var commandNames: [String] {
        configuration.subcommands.flatMap { [$0.configuration.commandName ?? ""] + $0.configuration.aliases } + ["help"]
    }

    /// An unknown subcommand is named, with the closest one; a usage error
    /// is one line `ppm-lua: message (see 'ppm-lua CMD --help')` with
    /// swift-argument-parser's exit code; help, version and completion
    /// scripts are swift-argument-parser's. The common client
    /// commands take a shorter way (`QuickCommand`).
    /// Its process takes the front's name back (`ppm-lua`, which `pgrep`
    /// and /proc/PID/comm show).
    static func main() {
        _ = ppm_set_process_name("ppm-lua")
        let words = Array(CommandLine.arguments.dropFirst())
        if QuickCommand.run(words) { return }
        if let word = words.first, !word.hasPrefix("-"), !commandNames.contains(word) {
            printError("unknown command '\(word)'\(Suggest.hint(word, in: commandNames)); see 'ppm-lua --help'")
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot(words)
            try command.run()
        } catch let end as ClientExit {
            Glibc.exit(end.code)  // said already (a quick form's code, run by a parsed command)
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let help = words.first.map { commandNames.contains($0) && $0 != "help" ? "ppm-lua \($0) --help" : "ppm-lua --help" } ?? "ppm-lua --help"
            let message = message(for: error).split(separator: "\n").map { $0.drop { $0 == " " } }.joined(separator: " ")
            printError("\(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message) (see '\(help)')")
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
    }
}
