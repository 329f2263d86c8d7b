import ArgumentParser
import Glibc
import PPMControl
import PPMCore

/// Names of services on the command line: names, `all`, `@group`.
struct ServiceNames: ParsableArguments {
    @Argument(help: "Service names, `all`, or `@group`.")
    var names: [String]
}

/// A command that sends its service names to the daemon as one request.
protocol ServiceNamesCommand: ParsableCommand {
    var client: ClientOptions { get }
    var services: ServiceNames { get }
}

extension ServiceNamesCommand {
    func run() throws { _ = try client.call(Self.configuration.commandName ?? "", ["names": .init(services.names)]) }
}

/// `ppm-lua start NAME…`.
struct StartCommand: ServiceNamesCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start services.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var services: ServiceNames
}

/// `ppm-lua stop NAME…`: returns once the processes are gone.
struct StopCommand: ServiceNamesCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop services; returns once their processes are gone.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var services: ServiceNames
}

/// `ppm-lua restart NAME…`.
struct RestartCommand: ServiceNamesCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart services.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var services: ServiceNames
}

/// `ppm-lua signal SIG NAME…`.
struct SignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "signal", abstract: "Send a signal to services' process groups.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "Signal name or number (HUP, SIGUSR1, 9).") var signal: String
    @OptionGroup var services: ServiceNames
    func run() throws { _ = try client.call("signal", ["signal": .string(signal), "names": .init(services.names)]) }
}

/// `ppm-lua rm NAME…` (alias `del`); `rm --all` (alias `drop`).
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Stop services and forget them.", aliases: ["del", "drop"])
    @OptionGroup var client: ClientOptions
    @Flag(help: "Remove every service.") var all = false
    @Argument(help: "Service names, or `@group`.") var names: [String] = []

    func validate() throws {
        let drop = CommandLine.arguments.dropFirst().first == "drop"
        if names.isEmpty && !all && !drop { throw ValidationError("name at least one service, or use --all") }
    }

    func run() throws {
        let drop = CommandLine.arguments.dropFirst().first == "drop"
        _ = try client.call("rm", ["names": .init(names), "all": .bool(all || drop)])
    }
}

/// `ppm-lua eval CODE`.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Run a Lua chunk inside the daemon and print its values.")
    @OptionGroup var client: ClientOptions
    @Option(help: "Seconds the chunk may run (at most 30).") var timeout: Double = EvalTimeout.standard
    @Argument(help: "Lua code.") var code: String

    func run() throws {
        if let problem = EvalTimeout.problem(timeout) {
            printError("--timeout: \(problem)")
            throw ExitCode(1)
        }
        let result = try client.call("eval", ["code": .string(code), "timeout": .double(timeout)])
        if let output = result["output"]?.stringValue, !output.isEmpty { print(output, terminator: "") }
        for value in result["values"]?.arrayValue ?? [] { print(value.stringValue ?? "") }
    }
}

/// `ppm-lua reload` (answered "not supported yet" until the reload issue).
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reload", abstract: "Re-read the config and apply the difference.")
    @OptionGroup var client: ClientOptions
    func run() throws { _ = try client.call("reload") }
}
