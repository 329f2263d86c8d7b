import ArgumentParser
import Glibc
import PPMControl
import PPMCore

/// `ppm-lua logs NAME... [-n N] [-f] [--err] [--json]`.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the last lines a service wrote; -f follows across restarts and rotations.",
        discussion: """
            NAME may be a service, `all` or `@group`; with more than one service each line \
            starts with the service's name. Lines come from <home>/logs/NAME.out.log \
            (NAME.err.log with --err), or from the service's own stdout/stderr file.
            """)
    @OptionGroup var client: ClientOptions
    @Option(name: .short, help: "How many lines (0: none, e.g. with -f to see only new ones).") var n = 20
    @Flag(name: .short, help: "Follow: keep printing new lines until interrupted.") var follow = false
    @Flag(help: "Stderr instead of stdout.") var err = false
    @Flag(help: "Print JSON Lines ({name, stream, line}).") var json = false
    @Argument(help: "Services (names, all, @group).") var names: [String]

    func validate() throws {
        guard !names.isEmpty else { throw ValidationError("name a service (or all, @group)") }
        guard n >= 0 else { throw ValidationError("-n must not be negative") }
    }

    func run() throws {
        let c = try client.connect()
        let args: [String: JSONValue] = [
            "names": .init(names), "n": .init(n), "follow": .bool(follow), "stream": .string(err ? "err" : "out"),
        ]
        let prefixed = names.count > 1 || names.contains { $0 == "all" || $0.hasPrefix("@") }
        do {
            let first = try c.callRaw("logs", args)
            for (line, raw) in zip(first.value.arrayValue ?? [], first.items) { show(line, raw: raw, prefixed) }
            fflush(nil)
            while follow {
                let next = try c.receiveRaw()
                show(next.value, raw: next.raw, prefixed)
                fflush(nil)  // a reader of a pipe sees each line at once
            }
        } catch {
            throw fail(error)
        }
    }

    private func show(_ line: JSONValue, raw: ArraySlice<UInt8>, _ prefixed: Bool) {
        if json { return printJSON(raw: raw) }
        let text = line["line"]?.stringValue ?? ""
        print(prefixed ? "\(line["name"]?.stringValue ?? "?") | \(text)" : text)
    }
}
