import Glibc

/// Reads the command lines `QuickCommand` answers: only the common forms,
/// each word once; nil for anything else, which the parser then reads.
package enum QuickWords {
    /// What a command line asks.
    package struct Request: Equatable {
        /// `status`, `ls`, `start`, `stop`, `restart`, `events` or `logs`.
        package var command: String
        /// `--socket PATH`.
        package var socket: String?
        /// `--json`.
        package var json = false
        /// `-q`, `--quiet` (start, stop, restart).
        package var quiet = false
        /// `-n N` (events, logs).
        package var n: Int?
        /// `-f` (events, logs).
        package var follow = false
        /// `--err` or `--all` (logs): `err`, `all`.
        package var stream: String?
        /// `--raw` (logs).
        package var raw = false
        /// The service names.
        package var names: [String] = []

        /// A request for `command` with no flags or names yet.
        package init(command: String) { self.command = command }
    }

    /// The flags `command` takes here (besides `--socket`), and how many
    /// names (a switch: a table of tuples would cost its generic metadata at run time).
    private static func allowed(_ command: String) -> (flags: [String], names: ClosedRange<Int>)? {
        switch command {
        case "status", "ls": (["--json"], 0...0)
        case "start", "stop", "restart": (["-q", "--quiet"], 1...Int.max)
        case "events": (["--json", "-n", "-f"], 0...1)
        case "logs": (["--json", "-n", "-f", "--err", "--all", "--raw"], 1...Int.max)
        default: nil
        }
    }

    /// The request `words` (the arguments after the program's name) make, or nil: the parser's.
    package static func parse(_ words: [String]) -> Request? {
        guard let first = words.first else { return nil }
        let command = ["list", "info"].contains(first) ? "ls" : first
        guard let allowed = allowed(command) else { return nil }
        var request = Request(command: command)
        var seen = Set<String>()
        var rest = words.dropFirst()
        while let word = rest.popFirst() {
            if !word.hasPrefix("-") {
                guard !word.isEmpty, word != "help" else { return nil }
                request.names.append(word)
                continue
            }
            let flag = word.hasPrefix("--socket=") ? "--socket" : word
            guard flag == "--socket" || allowed.flags.contains(flag), seen.insert(flag == "-q" ? "--quiet" : flag).inserted else {
                return nil
            }
            switch flag {
            case "--socket":
                let path = word == "--socket" ? rest.popFirst() ?? "" : String(word.dropFirst(9))
                guard !path.isEmpty, !path.hasPrefix("-") else { return nil }
                request.socket = path
            case "-n":
                guard let count = rest.popFirst().flatMap(count) else { return nil }
                request.n = count
            case "--json": request.json = true
            case "-q", "--quiet": request.quiet = true
            case "-f": request.follow = true
            case "--raw": request.raw = true
            default:
                guard request.stream == nil else { return nil }  // --err with --all: the parser's error
                request.stream = String(flag.dropFirst(2))
            }
        }
        guard allowed.names.contains(request.names.count) else { return nil }
        if let host = getenv("PPM_LUA_HOST"), host.pointee != 0 { return nil }
        return request
    }

    /// A count of lines or events: digits only, not too many.
    private static func count(_ word: String) -> Int? {
        guard (1...9).contains(word.utf8.count), word.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int(word)
    }
}
