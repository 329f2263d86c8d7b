import ArgumentParser
import PPMMachine

/// `ppm-lua daemon --forward | --forward-json | --forward-journal` (SPEC 11):
/// every service's captured lines also go to the daemon's stdout or journald.
enum ForwardFlag: String, EnumerableFlag {
    case forward, forwardJson, forwardJournal

    /// The forwarding mode the flag stands for.
    var mode: ForwardMode {
        switch self {
        case .forward: .stdout
        case .forwardJson: .json
        case .forwardJournal: .journal
        }
    }

    /// The help line of each flag.
    static func help(for value: ForwardFlag) -> ArgumentHelp? {
        switch value {
        case .forward: "Also write every captured line to stdout as 'NAME | line' (for docker logs)."
        case .forwardJson: "Also write every captured line to stdout as a JSON object {time, service, stream, line}."
        case .forwardJournal: "Also send every captured line to journald (syslog /dev/log when journald is absent)."
        }
    }
}
