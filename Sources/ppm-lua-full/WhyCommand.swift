import ArgumentParser
import Glibc
import PPMClient
import PPMClientCommands
import PPMTerminal

/// `ppm-lua why NAME`: one paragraph on why the service is in its state
/// (SPEC 11), made by the daemon from its live state and journal in one
/// request; then its recent exits with their last output lines.
struct WhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why", abstract: "Explain why a service is in its state: what it waits for, its last exits, backoff, readiness, health.")
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "The service.") var name: String

    func run() throws {
        let reply = try client.callRaw("why", ["name": .string(name)])
        if json { return printJSON(raw: reply.raw) }
        let answer = reply.value
        let text = TerminalText.visible(answer["text"]?.stringValue ?? "")
        print(isatty(1) != 0 ? Self.wrap(text, width: Self.terminalWidth()) : text)
        let exits = answer["exits"]?.arrayValue ?? []
        guard !exits.isEmpty else { return }
        print("\nRecent exits, newest first:")
        for exit in exits {
            let utc = exit["utc"]?.stringValue ?? ""
            let how = exit["oom"]?.boolValue == true ? "OOM kill" : formatExit(exit)
            let runtime = exit["runtime"]?.doubleValue.map { " after \(formatSeconds($0))" } ?? ""
            let outcome = exit["outcome"]?.stringValue.map { " (\($0))" } ?? ""
            print("  \(utc)  \(how)\(runtime)\(outcome)")
            for line in (exit["tail"]?.stringValue ?? "").split(separator: "\n", omittingEmptySubsequences: false).suffix(10)
            where !line.isEmpty {
                print("      | " + TerminalText.visible(String(line)))
            }
        }
    }

    /// The terminal's columns (80 when it does not say).
    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 else { return 80 }
        return Int(size.ws_col)
    }

    /// `text` broken between words into lines of at most `width` characters.
    static func wrap(_ text: String, width: Int) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
