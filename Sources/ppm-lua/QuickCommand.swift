import Glibc
import PPMMachine
import PPMProtocol

/// The client's short way (#23 item 4): `status` and `ls` (and its
/// aliases), with at most `--json` and `--socket PATH`, on the unix socket,
/// are answered without swift-argument-parser. Its parse builds every
/// subcommand's argument set by reflection, about a third of the CPU time
/// of `ppm-lua status`; the output, errors and exit codes are those of
/// `StatusCommand` and `ListCommand`, which print through the same functions.
/// Any other word (`--help`, `--host`, `--timeout`…) or `PPM_LUA_HOST` set
/// leaves the command line to the parser.
enum QuickCommand {
    /// What a command line asks, when it is one this way answers.
    struct Request: Equatable {
        var command: String
        var json = false
        var socket: String?
    }

    /// The request `words` (the arguments after the program's name) make,
    /// or nil: the parser's.
    static func parse(_ words: [String]) -> Request? {
        guard let first = words.first, ["status", "ls", "list", "info"].contains(first) else { return nil }
        var request = Request(command: first == "status" ? "status" : "ls")
        var rest = words.dropFirst()
        while let word = rest.popFirst() {
            if word == "--json" && !request.json {
                request.json = true
            } else if word == "--socket", request.socket == nil, let path = rest.popFirst(), !path.isEmpty, !path.hasPrefix("-") {
                request.socket = path
            } else if word.hasPrefix("--socket="), request.socket == nil, word.count > 9 {
                request.socket = String(word.dropFirst(9))
            } else {
                return nil
            }
        }
        if let host = getenv("PPM_LUA_HOST"), host.pointee != 0 { return nil }
        return request
    }

    /// Runs `words` when this way answers them (and exits on failure as the
    /// commands do: 3 without a daemon, 1 for a failed request); false: the parser's.
    static func run(_ words: [String]) -> Bool {
        guard let request = parse(words) else { return false }
        do {
            let socket = Locations(socket: request.socket, environment: locationVariables()).socket
            let client = try ControlEndpoint.socket(socket).connect()
            client.answerTimeout = ControlClient.standardAnswerTimeout
            switch (request.command, request.json) {
            case ("status", let json): StatusCommand.show(try client.callRaw("status"), json: json)
            case (_, true): printJSON(raw: try client.callRaw("ls", parsing: false).raw)
            default: ListCommand.show(try client.call("ls", ListCommand.tableFields))
            }
        } catch {
            Glibc.exit(fail(error).rawValue)
        }
        return true
    }

    /// The variables `Locations` reads, from `getenv`: the whole environment
    /// as a dictionary (`ProcessInfo`) costs a sixth of the time of this way.
    static func locationVariables() -> [String: String] {
        var variables: [String: String] = [:]
        for name in ["PPM_LUA_HOME", "XDG_STATE_HOME", "HOME", "PPM_LUA_SOCKET"] {
            if let value = getenv(name) { variables[name] = String(cString: value) }
        }
        return variables
    }
}
