import PPMMachine
import PPMScript

/// Runs services' `pre_start`, `stop_cmd` and `post_stop` commands (SPEC
/// 10) as the daemon's helper processes: as the service's user, in its dir
/// and environment (`env_file` included), output collected, ended at their
/// timeout, never blocking the loop. Confined to the loop queue.
final class ServiceCommandRunner: CommandRunner {
    private let helpers: HelperProcesses
    /// The helpers running, by command.
    private var running: [CommandID: Int32] = [:]
    /// Lines of output an ended command reports.
    static let tailLines = 10

    init(helpers: HelperProcesses) { self.helpers = helpers }

    func run(_ command: ServiceCommand, done: @escaping (CommandResult) -> Void) {
        var spec = command.spec
        spec.name = HelperProcesses.mark
        spec.cmd = command.cmd
        spec.env.merge(command.environment) { $1 }
        // Its output is collected for the event, not written to the service's files.
        spec.stdin = nil
        spec.stdout = nil
        spec.stderr = nil
        spec.ready = .started
        let id = command.id
        let pid = helpers.spawn(spec, stdin: nil, timeout: command.timeout, onExit: false, killAfter: command.killAfter) { [weak self] result in
            self?.running[id] = nil
            done(Self.result(result))
        }
        if let pid { running[id] = pid }
    }

    func end(_ id: CommandID) {
        guard let pid = running[id] else { return }
        helpers.terminate(pid)
    }

    /// A helper's end as the supervisor reads it: the status and the last
    /// lines of stderr (of stdout when stderr is empty).
    static func result(_ helper: HelperResult) -> CommandResult {
        let text = helper.stderr.contains(where: { !$0.isWhitespace }) ? helper.stderr : helper.stdout
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).suffix(tailLines)
        return CommandResult(
            status: helper.status, error: helper.error, timedOut: helper.timedOut,
            tail: lines.isEmpty ? nil : lines.joined(separator: "\n"))
    }
}
