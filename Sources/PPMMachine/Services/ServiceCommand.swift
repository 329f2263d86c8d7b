/// A command run for a service beside its process (SPEC 10): `pre_start`
/// before each start, `stop_cmd` instead of the first stop signal,
/// `post_stop` after each exit. It runs as a helper of the daemon (as the
/// service's user, in its dir and environment, never blocking the loop);
/// its end comes back as the `commandEnded` input.
package struct ServiceCommand: Sendable, Equatable {
    /// Which run of which command this is.
    package var id: CommandID
    /// The service's spec: user, group, dir, env, `env_file`, limits.
    package var spec: ServiceSpec
    /// The program and its arguments.
    package var cmd: [String]
    /// Variables it gets over the service's (`MAINPID` for `stop_cmd`,
    /// `EXIT_CODE` and `EXIT_STATUS` for `post_stop`, as systemd sets them).
    package var environment: [String: String]
    /// Past this many seconds it gets SIGTERM, and SIGKILL `killAfter` seconds later.
    package var timeout: Double
    package var killAfter: Double

    package init(
        id: CommandID, spec: ServiceSpec, cmd: [String], environment: [String: String] = [:], timeout: Double,
        killAfter: Double
    ) {
        self.id = id
        self.spec = spec
        self.cmd = cmd
        self.environment = environment
        self.timeout = timeout
        self.killAfter = killAfter
    }
}

/// Names one run of a service's command; `serial` tells a stale answer
/// (a pre_start ended by a stop) from the current one.
package struct CommandID: Sendable, Hashable {
    /// The field the command comes from.
    package enum Field: String, Sendable {
        case preStart = "pre_start"
        case stopCmd = "stop_cmd"
        case postStop = "post_stop"
    }

    package var name: String
    package var field: Field
    package var serial: Int

    package init(name: String, field: Field, serial: Int) {
        self.name = name
        self.field = field
        self.serial = serial
    }
}

/// How a service's command ended.
package struct CommandResult: Sendable, Equatable {
    /// Its exit status; nil when it could not be spawned.
    package var status: ExitStatus?
    /// Why it could not be spawned.
    package var error: String?
    /// Ended for running past its timeout.
    package var timedOut: Bool
    /// Up to its last 10 lines of stderr (of stdout when stderr is empty).
    package var tail: String?

    package init(status: ExitStatus?, error: String? = nil, timedOut: Bool = false, tail: String? = nil) {
        self.status = status
        self.error = error
        self.timedOut = timedOut
        self.tail = tail
    }

    /// Exited 0 in time.
    package var succeeded: Bool { status == .exited(0) && !timedOut }

    /// What went wrong, for an event's `error`: "exited with status 3",
    /// "timed out after 60 s", "killed by SIGKILL", or why it did not start.
    package func failure(timeout: Double) -> String {
        if let error { return error }
        if timedOut { return "timed out after \(Supervisor.seconds(timeout)) s" }
        switch status {
        case .exited(let code)?: return "exited with status \(code)"
        case .signaled(let sig)?: return "killed by SIG\(Signals.name(sig))"
        case .unknown?, nil: return "ended"
        }
    }
}

/// Runs services' commands for the loop (the daemon's helper processes).
package protocol CommandRunner: AnyObject {
    /// Starts `command` and calls `done` once, on the loop's queue, when it
    /// has ended (at once, after `run` returned or inside it, when it
    /// could not start).
    func run(_ command: ServiceCommand, done: @escaping (CommandResult) -> Void)
    /// Ends the command if it still runs (SIGTERM to its group, SIGKILL
    /// after its `killAfter`); its `done` is still called.
    func end(_ id: CommandID)
}
