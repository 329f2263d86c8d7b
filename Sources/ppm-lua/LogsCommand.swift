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
            (NAME.err.log with --err), or from the service's own stdout/stderr file. \
            On a terminal, control characters other than tab are shown escaped (ESC as \\x1b), \
            so a service's escape sequences cannot act on it; --raw, --json and pipes get them as they are.
            """)
    @OptionGroup var client: ClientOptions
    @Option(name: .short, help: "How many lines (0: none, e.g. with -f to see only new ones).") var n = 20
    @Flag(name: .short, help: "Follow: keep printing new lines until interrupted.") var follow = false
    @Flag(help: "Stderr instead of stdout.") var err = false
    @Flag(help: "Print JSON Lines ({name, stream, line}).") var json = false
    @Flag(help: "Print control characters as they are, also on a terminal (escaped there by default).") var raw = false
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
        // A service's escape sequences would act on the terminal (clipboard, title, cursor).
        let escaped = !raw && isatty(1) != 0
        do {
            let first = try c.callRaw("logs", args)
            for (line, raw) in zip(first.value.arrayValue ?? [], first.items) { show(line, raw: raw, prefixed, escaped: escaped) }
            fflush(nil)
            while follow {
                let next = try c.receiveRaw()
                show(next.value, raw: next.raw, prefixed, escaped: escaped)
                fflush(nil)  // a reader of a pipe sees each line at once
            }
        } catch {
            throw fail(error)
        }
    }

    private func show(_ line: JSONValue, raw: ArraySlice<UInt8>, _ prefixed: Bool, escaped: Bool) {
        if json { return printJSON(raw: raw) }
        let text = line["line"]?.stringValue ?? ""
        let shown = prefixed ? "\(line["name"]?.stringValue ?? "?") | \(text)" : text
        print(escaped ? TerminalText.visible(shown) : shown)
    }
}
