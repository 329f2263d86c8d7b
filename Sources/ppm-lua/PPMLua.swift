import ArgumentParser

/// `ppm-lua`: the daemon and its client in one executable.
@main
struct PPMLua: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "ppm-lua",
        abstract: "A process supervisor scripted in Lua.",
        version: version,
        subcommands: [
            DaemonCommand.self, CheckCommand.self, StatusCommand.self, ListCommand.self, ShowCommand.self,
            StartCommand.self, StopCommand.self, RestartCommand.self, SignalCommand.self, RemoveCommand.self,
            AddCommand.self, EventsCommand.self, EvalCommand.self, ReplCommand.self, ExportCommand.self,
            InitCommand.self, StatsCommand.self, LogsCommand.self, ReloadCommand.self, QuitCommand.self, UpgradeCommand.self, FDHolderCommand.self,
        ]
    )
}
