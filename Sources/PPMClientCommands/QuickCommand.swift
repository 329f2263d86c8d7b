import Glibc
import PPMClient
import PPMMachine

/// The client's short way (#23 item 4): `status`, `ls` (and its aliases),
/// `start`, `stop`, `restart`, `events` and `logs`, in their common forms on
/// the unix socket, are answered without swift-argument-parser. Its parse
/// builds the argument sets of the command (and of the whole tree) by
/// reflection, half of the CPU time of these commands; the output, errors
/// and exit codes are those of the parsed commands, which print through the
/// same code (`StatusView`, `ListView`, `ServiceReport`, `EventsRun`, `LogsRun`).
/// Any other word (`--help`, `--host`, `--timeout`, `-n5`…), a repeated
/// one, or `PPM_LUA_HOST` set leaves the command line to the parser
/// (`QuickWords`).
package enum QuickCommand {
    /// Runs `words` when this way answers them (and exits on failure as the
    /// commands do: 3 without a daemon, 1 for a failed request); false: the parser's.
    /// False as well when the socket's place is unknown (no `HOME`: the
    /// full program asks the user database).
    package static func run(_ words: [String]) -> Bool {
        guard let request = QuickWords.parse(words), let socket = SocketLocation.socket(request.socket) else { return false }
        do {
            try answer(request, DaemonTarget(socket: socket, timeout: ControlClient.standardAnswerTimeout))
        } catch {
            Glibc.exit(ClientExit.report(error).code)  // a ClientExit: said already
        }
        return true
    }

    /// Runs `request` against the daemon at `target`.
    private static func answer(_ request: QuickWords.Request, _ target: DaemonTarget) throws {
        switch request.command {
        case "status":
            StatusView.show(try target.connect().callRaw("status"), json: request.json)
        case "ls" where request.json:
            try printJSON(streaming: "ls", from: target.connect())
        case "ls":
            ListView.show(try target.connect().call("ls", ListView.tableFields))
        case "events":
            try EventsRun(target: target, json: request.json, n: request.n ?? 20, follow: request.follow, name: request.names.first)
                .run()
        case "logs":
            try LogsRun(
                target: target, names: request.names, n: request.n ?? 20, follow: request.follow, stream: request.stream ?? "out",
                json: request.json, raw: request.raw
            ).run()
        default:
            try ServiceReport(client: target, quiet: request.quiet).run(request.command, ["names": .init(request.names)])
        }
    }
}
