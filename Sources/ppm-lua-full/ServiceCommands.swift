import ArgumentParser
import PPMClient
import PPMClientCommands
import PPMMachine

/// Names of services on the command line: names, `all`, `@group`.
struct ServiceNames: ParsableArguments {
    @Argument(help: "Service names, `all`, or `@group`.")
    var names: [String]
}

/// `--quiet`: for scripts, print only errors.
struct QuietOption: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false
}

/// A command that sends its service names to the daemon as one request
/// and reports what happened to each.
protocol ServiceNamesCommand: ParsableCommand {
    var client: ClientOptions { get }
    var services: ServiceNames { get }
    var output: QuietOption { get }
}

extension ServiceNamesCommand {
    func run() throws {
        try ServiceReport(client: client.target(), quiet: output.quiet)
            .run(Self.configuration.commandName ?? "", ["names": .init(services.names)])
    }
}

/// `ppm-lua start NAME…`.
struct StartCommand: ServiceNamesCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start services.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var output: QuietOption
    @OptionGroup var services: ServiceNames
}

/// `ppm-lua stop NAME…`: returns once the processes are gone.
struct StopCommand: ServiceNamesCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop services; returns once their processes are gone.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var output: QuietOption
    @OptionGroup var services: ServiceNames
}

/// `ppm-lua restart NAME…`: returns once the new processes run.
struct RestartCommand: ServiceNamesCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart services; returns once they run again.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var output: QuietOption
    @OptionGroup var services: ServiceNames
}

/// `ppm-lua signal SIG NAME…`.
struct SignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal", abstract: "Send a signal to services' process groups.",
        discussion:
            "With `all` or `@group`, services that do not run are reported and skipped; a service named explicitly that does not run is an error (exit 1), after the others are signalled."
    )
    @OptionGroup var client: ClientOptions
    @OptionGroup var output: QuietOption
    @Argument(help: "Signal name or number (HUP, SIGUSR1, 9).") var signal: String
    @OptionGroup var services: ServiceNames
    func run() throws {
        try ServiceReport(client: client.target(), quiet: output.quiet)
            .run("signal", ["signal": .string(signal), "names": .init(services.names)])
    }
}

/// `ppm-lua rm NAME…` (alias `del`); `rm --all`.
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Stop services and forget them.", aliases: ["del"])
    @OptionGroup var client: ClientOptions
    @OptionGroup var output: QuietOption
    @Flag(help: "Remove every service (same as `drop`).") var all = false
    @Argument(help: "Service names, `all`, or `@group`.") var names: [String] = []

    func validate() throws {
        if names.isEmpty && !all { throw ValidationError("name at least one service, or use --all") }
        if !names.isEmpty && all { throw ValidationError("--all takes no service names") }
    }

    func run() throws {
        try ServiceReport(client: client.target(), quiet: output.quiet, whenNone: "no services to remove").run(
            "rm", ["names": .init(names), "all": .bool(all)])
    }
}

/// `ppm-lua drop`: `rm --all` (pmon3 "Delete all processes"). Its own
/// command, so that names after it are a usage error, not a silent `--all`.
struct DropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Stop every service and forget it (rm --all); takes no names.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var output: QuietOption

    func run() throws {
        try ServiceReport(client: client.target(), quiet: output.quiet, whenNone: "no services to remove").run("rm", ["all": .bool(true)])
    }
}
