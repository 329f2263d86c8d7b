import ArgumentParser
import Glibc
import PPMClient
import PPMClientCommands
import PPMMachine
import PPMProtocol

/// `ppm-lua eval CODE`.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Run a Lua chunk inside the daemon and print its values.")
    @OptionGroup var client: EndpointOptions
    @Option(help: "Seconds the chunk may run (at most 30).") var timeout: Double = EvalTimeout.standard
    @Argument(help: "Lua code.") var code: String

    func run() throws {
        if let problem = EvalTimeout.problem(timeout) {
            printError("--timeout: \(problem)")
            throw ExitCode(1)
        }
        // The daemon answers once the chunk ends: allow its run time on top.
        let connection = try client.connect(answerTimeout: timeout + ControlClient.standardAnswerTimeout)
        let result: JSONValue
        do { result = try connection.call("eval", ["code": .string(code), "timeout": .double(timeout)]) } catch { throw fail(error) }
        printWarnings(result)
        if let output = result["output"]?.stringValue, !output.isEmpty { print(output, terminator: "") }
        for value in result["values"]?.arrayValue ?? [] { print(value.stringValue ?? "") }
    }
}

/// Prints the warnings an `eval` chunk caused (`ppm-lua: warning: ...`).
func printWarnings(_ result: JSONValue) {
    for warning in result["warnings"]?.arrayValue ?? [] {
        printError("warning: \(warning.stringValue ?? "")")
    }
}

/// `ppm-lua reload [--dry-run]`: prints what changed (or would change, with
/// the changed fields of each service), or fails with the config's error.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reload", abstract: "Re-read the config and apply the difference.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print what a reload would apply (with the changed fields) and apply nothing.")
    var dryRun = false

    func run() throws {
        let result = try client.call("reload", dryRun ? ["dry_run": .bool(true)] : [:])
        for key in ["added", "removed", "changed"] {
            let names = (result[key]?.arrayValue ?? []).compactMap(\.stringValue).map { name in
                guard dryRun, key == "changed" else { return name }
                let fields = (result["reasons"]?[name]?.arrayValue ?? []).compactMap(\.stringValue)
                return fields.isEmpty ? name : "\(name) (\(fields.joined(separator: ", ")))"
            }
            print("\(key): \(names.isEmpty ? "-" : names.joined(separator: ", "))")
        }
        if dryRun { print("(dry run: nothing applied)") }
    }
}

/// `ppm-lua quit`: reports each service it stopped; returns once the
/// daemon has exited (its home lock released), so a new daemon can start at once.
struct QuitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quit", abstract: "Stop every service and exit the daemon; returns once the daemon has exited.")
    @OptionGroup var client: ClientOptions
    @OptionGroup var output: QuietOption

    func run() throws {
        try ServiceReport(client: client.target(), quiet: output.quiet).run("quit", [:], untilExit: true)
        if !output.quiet { print("daemon stopped") }
    }
}
