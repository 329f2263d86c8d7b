import ArgumentParser
import Glibc
import PPMClient
import PPMClientCommands
import PPMMachine
import PPMProtocol

/// `ppm-lua logs NAME... [-n N] [-f] [--err | --all] [--json]`.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the last lines a service wrote; -f follows across restarts and rotations.",
        discussion: """
            NAME may be a service, `all` or `@group`; with more than one service each line \
            starts with the service's name. Lines come from <home>/logs/NAME.out.log \
            (NAME.err.log with --err), or from the service's own stdout/stderr file. \
            --all shows both streams in the order their lines arrived, each stderr line marked: \
            "[err] line", or "NAME[err] | line" with the service's name. (The history before -f follows \
            arrival order when log_timestamps is on; without timestamps, stdout's lines come first.) \
            On a terminal, control characters other than tab are shown escaped (ESC as \\x1b), \
            so a service's escape sequences cannot act on it; --raw, --json and pipes get them as they are.
            """)
    @OptionGroup var client: ClientOptions
    @Option(name: .short, help: "How many lines (0: none, e.g. with -f to see only new ones).") var n = 20
    @Flag(name: .short, help: "Follow: keep printing new lines until interrupted.") var follow = false
    @Flag(help: "Stderr instead of stdout.") var err = false
    @Flag(help: "Both stdout and stderr, stderr lines marked [err].") var all = false
    @Flag(help: "Print JSON Lines ({name, stream, line}).") var json = false
    @Flag(help: "Print control characters as they are, also on a terminal (escaped there by default).") var raw = false
    @Argument(help: "Services (names, all, @group).") var names: [String]

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("name a service (or all, @group)") }
        guard n >= 0 else { throw ValidationError("-n must not be negative") }
        guard !(err && all) else { throw ValidationError("--err and --all do not go together (--all includes stderr)") }
    }

    func run() throws {
        try LogsRun(target: client.target(), names: names, n: n, follow: follow, stream: all ? "all" : err ? "err" : "out", json: json, raw: raw)
            .run()
    }
}
