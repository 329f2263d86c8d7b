/// Every command of the control protocol (SPEC 7), in one place: its name,
/// the aliases a client may send for it, whether it changes anything, what
/// a TCP listener's allow list must grant to run it, and whether it may add
/// or remove services. The daemon's dispatch, the listener's permission
/// check and the config's allow lists all read this table.
package enum ControlCommand: String, CaseIterable, Sendable {
    /// The daemon's pid, uptime, paths and counters.
    case status
    /// Every service (`list`, `info`).
    case ls
    /// One service in full (`desc`).
    case show
    /// Why one service is in its state (SPEC 11).
    case why
    /// The journal, optionally followed.
    case events
    /// CPU and memory of every service.
    case stats
    /// Captured output, optionally followed.
    case logs
    /// A subscription: every service, then the changes as they happen and
    /// a stats sample each second (what `ppm-lua top` shows).
    case watch
    /// Starts services.
    case start
    /// Stops services and holds them stopped.
    case stop
    /// Stops services and starts them again.
    case restart
    /// Sends a signal to services.
    case signal
    /// Removes services (`del`; `drop`: every service).
    case rm
    /// Adds a run-time service (`exec`).
    case add
    /// Changes how many copies an `instances` service runs.
    case scale
    /// Runs a Lua chunk in the daemon.
    case eval
    /// Completes a REPL line from the daemon's globals.
    case complete
    /// Stops the `eval` chunk of the connection that sends it.
    case interrupt
    /// The live services as a config.
    case export
    /// Reloads the config (or, with `dry_run`, says what a reload would do).
    case reload
    /// Stops every service and exits.
    case quit
    /// Re-executes the daemon's binary in place.
    case upgrade
    /// A plaintext TCP listener's challenge answer (before any other request).
    case auth

    /// The command `name` stands for: its own name or one of its aliases;
    /// nil for a name no command has.
    package init?(named name: String) {
        if let command = ControlCommand(rawValue: name) {
            self = command
        } else if let command = Self.allCases.first(where: { $0.aliases.contains(name) }) {
            self = command
        } else {
            return nil
        }
    }

    /// The other names a client may send for this command.
    package var aliases: [String] {
        switch self {
        case .ls: ["list", "info"]
        case .show: ["desc"]
        case .rm: ["del", "drop"]
        case .add: ["exec"]
        default: []
        }
    }

    /// Whether the command changes nothing: what `"read"` in an allow list
    /// grants, and what a network gets when the config names no allow list.
    package var isReadOnly: Bool {
        switch self {
        case .status, .ls, .show, .why, .events, .stats, .logs, .watch: true
        default: false
        }
    }

    /// Whether a request of this command keeps its connection streaming
    /// replies until the client closes: `watch` always, `events` and `logs`
    /// when they follow.
    package func streams(following: Bool) -> Bool {
        switch self {
        case .watch: true
        case .events, .logs: following
        default: false
        }
    }

    /// The command an allow list must grant for this one to run: itself,
    /// or `eval` for `interrupt` and `complete` (only who may run Lua may
    /// stop it or read its globals); nil for `auth`, which no list grants.
    package var permission: ControlCommand? {
        switch self {
        case .interrupt, .complete: .eval
        case .auth: nil
        default: self
        }
    }

    /// Whether the command may add or remove services (a chunk of Lua may
    /// call `ppm.service`): the daemon re-reads `depends` after it.
    package var addsOrRemovesServices: Bool {
        switch self {
        case .add, .eval, .rm, .scale: true
        default: false
        }
    }

    /// The commands that change nothing.
    package static let readOnly: Set<ControlCommand> = Set(allCases.filter(\.isReadOnly))

    /// The main names of the commands a client sends, for "did you mean" hints.
    package static let clientNames: [String] = allCases.filter { $0 != .auth }.map(\.rawValue)

    /// The commands a name in an allow list grants: `"read"` the read-only
    /// set, `"repl"` eval, a command or alias the command its permission
    /// names; nil for a name that grants nothing (`interrupt`, `auth`, an
    /// unknown word).
    package static func granted(byAllowName name: String) -> Set<ControlCommand>? {
        switch name {
        case "read": return readOnly
        case "repl": return [.eval]
        default:
            guard let command = ControlCommand(named: name), command != .interrupt, let permission = command.permission else { return nil }
            return [permission]
        }
    }

    /// The names an allow list accepts, for "did you mean" hints.
    package static let allowNames: [String] =
        ["read", "repl"]
        + allCases.filter { $0 != .interrupt && $0 != .auth }.flatMap { [$0.rawValue] + $0.aliases }
}
