import PPMMachine
import PPMScript
import PPMTerminal

extension ShowCommand {
    /// How the service starts and stops beside its process (SPEC 10): the
    /// `pre_start` commands, the stop ladder (`QUIT, 5 s, TERM, 3 s,
    /// SIGKILL`; `stop_cmd` in the first signal's place), `post_stop`.
    static func stoppingRows(_ s: JSONValue) -> [(String, String)] {
        guard let specJSON = s["spec"], let spec = SpecJSON.decode(specJSON) else {
            return [("stop", "\(s["stop_signal"]?.stringValue ?? "TERM"), SIGKILL after \(formatSeconds(s["stop_timeout"]?.doubleValue ?? 10))")]
        }
        let steps = spec.stopSteps(defaultTimeout: s["stop_timeout"]?.doubleValue ?? 10)
        var labels = steps.map { Signals.name($0.signal) }
        if spec.stopCmd != nil { labels[0] = "stop_cmd" }
        let ladder: String
        if steps.count == 1 && spec.stopCmd == nil {
            ladder = "\(labels[0]), SIGKILL after \(formatSeconds(steps[0].wait ?? 10))"
        } else {
            ladder = zip(labels, steps).map { "\($0), \(formatSeconds($1.wait ?? 10))" }.joined(separator: ", ") + ", SIGKILL"
        }
        var rows: [(String, String)] = []
        rows += commandRows("pre_start", spec.preStart)
        if !spec.preStart.isEmpty && spec.startTimeout != ServiceSpec.defaultStartTimeout {
            rows.append(("", "(within start_timeout, \(formatSeconds(spec.startTimeout)))"))
        }
        rows.append(("stop", ladder))
        rows += commandRows("stop_cmd", spec.stopCmd.map { [$0] } ?? [])
        rows += commandRows("post_stop", spec.postStop)
        return rows
    }

    /// One row per command, the field named on the first.
    private static func commandRows(_ field: String, _ commands: [[String]]) -> [(String, String)] {
        commands.enumerated().map { index, cmd in
            let text = SpecJSON.command(cmd).stringValue ?? ShellWords.join(cmd)
            return (index == 0 ? field : "", TerminalText.visible(text))
        }
    }
}
