import Glibc
import PPMClient
import PPMMachine
import PPMTerminal

/// What `ppm-lua logs` does once its words are read (by the parser, or by
/// `QuickCommand`): prints the last `n` lines of the services' `stream`,
/// and with `follow` the new ones, across restarts, rotations and upgrades.
package struct LogsRun {
    /// Where the daemon is.
    package let target: DaemonTarget
    /// Services: names, `all`, `@group`.
    package let names: [String]
    /// How many lines of the history.
    package let n: Int
    /// Keep printing new lines.
    package let follow: Bool
    /// `out`, `err` or `all` (both, stderr lines marked).
    package let stream: String
    /// JSON Lines instead of text.
    package let json: Bool
    /// Control characters as they are, also on a terminal.
    package let raw: Bool

    /// How `--all` marks a stderr line (after the name when lines are prefixed).
    package static let errorMark = "[err]"

    /// Lines a follower asks for again after an upgrade, to find where it was.
    package static let resumeWindow = 1000

    /// Prints the lines; exits 1 (3 without a daemon) when a request fails.
    /// The run these words ask for.
    package init(target: DaemonTarget, names: [String], n: Int, follow: Bool, stream: String, json: Bool, raw: Bool) {
        (self.target, self.names, self.n, self.follow, self.stream, self.json, self.raw) = (target, names, n, follow, stream, json, raw)
    }

    package func run() throws {
        var c = try target.connect()
        let daemon = c.daemonPid
        var args: [String: JSONValue] = [
            "names": .init(names), "n": .init(n), "follow": .bool(follow), "stream": .string(stream),
        ]
        let prefixed = names.count > 1 || names.contains { $0 == "all" || $0.hasPrefix("@") }
        // A service's escape sequences would act on the terminal (clipboard, title, cursor).
        let escaped = !raw && isatty(1) != 0
        var shown = RecentLines()
        do throws(any Error) {
            let first = try c.callRaw("logs", args)
            for (line, raw) in zip(first.value.arrayValue ?? [], first.items) { show(line, raw: raw, prefixed, &shown, escaped: escaped) }
            fflush(nil)
            while follow {
                do throws(any Error) {
                    let next = try c.receiveRaw()
                    show(next.value, raw: next.raw, prefixed, &shown, escaped: escaped)
                } catch  where Reconnect.isHangUp(error) {
                    // An upgrade: the same daemon answers again; the lines since
                    // the last one shown come first (found in the files' tails).
                    args["n"] = .init(shown.isEmpty ? 0 : Self.resumeWindow)
                    let tail: ControlResult
                    (c, tail) = try Reconnect.resume(target, pid: daemon) { [args] in try $0.callRaw("logs", args) }
                    let lines = Array(zip(tail.value.arrayValue ?? [], tail.items))
                    for (line, raw) in lines[shown.newStart(in: lines.map(\.0))...] { show(line, raw: raw, prefixed, &shown, escaped: escaped) }
                }
                fflush(nil)  // a reader of a pipe sees each line at once
            }
        } catch {
            throw ClientExit.report(error)
        }
    }

    private func show(_ line: JSONValue, raw: ArraySlice<UInt8>, _ prefixed: Bool, _ shown: inout RecentLines, escaped: Bool) {
        shown.append(line)
        if json { return printJSON(raw: raw) }
        let text = line["line"]?.stringValue ?? ""
        let mark = stream == "all" && line["stream"]?.stringValue == "err" ? Self.errorMark : ""
        let printed = prefixed ? "\(line["name"]?.stringValue ?? "?")\(mark) | \(text)" : mark.isEmpty ? text : "\(mark) \(text)"
        print(escaped ? TerminalText.visible(printed) : printed)
    }
}
