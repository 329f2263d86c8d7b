import PPMMachine
import PPMRuntime

/// The home's disk: a home that cannot be written (full, quota, I/O error)
/// is shown by `status` and journaled once per episode, and what start-up
/// repaired in the state log and the journal is logged. (Run-time changes
/// reach the disk before a client hears of them: `Daemon.durably`.)
final class HomeDisk {
    private let home: String
    private let store: StateStore
    private let loop: SupervisorLoop
    private let output: OutputCapture
    private let log: DaemonLog
    private var journal: Journal { loop.journal }

    /// The disk of `home`, written by `store`, `loop`'s journal and `output`.
    init(home: String, store: StateStore, loop: SupervisorLoop, output: OutputCapture, log: DaemonLog) {
        self.home = home
        self.store = store
        self.loop = loop
        self.output = output
        self.log = log
    }

    /// What `status` says while a home file (state log, journal, a
    /// service's log) cannot be written: `disk_full` (or `write_error` for
    /// another cause) with the file and the error.
    var status: [String: JSONValue] {
        guard let failure = store.problem ?? journal.problem ?? output.problem else { return [:] }
        return [Self.key(failure): .object(["path": .string(failure.path), "error": .string(failure.description)])]
    }

    /// Listens to the state log and the journal: the first failure of a
    /// series is journaled (`disk_full` or `write_error`, with `path` and
    /// `error`) and logged, and so is the end of it (`disk_ok`), once for
    /// the home whichever of its files hears it first.
    func watch(scheduler: Scheduler) {
        store.onProblem = { [unowned self] failure in changed(failure, other: journal.problem ?? output.problem) }
        journal.onProblem = { [unowned self] failure in changed(failure, other: store.problem ?? output.problem) }
        // A log file that cannot be written: the service's output waits in its pipe.
        output.onProblem = { [unowned self] failure in changed(failure, other: store.problem ?? journal.problem) }
        output.schedule = { delay, body in _ = scheduler.schedule(after: delay, body) }
    }

    /// Logs what the state log and the journal repaired at start (a torn
    /// last line cut, lines that did not parse dropped).
    func logRepairs(journalPath: String) {
        for (path, repaired) in [(store.path, store.repaired), (journalPath, journal.repaired)] {
            if repaired.tornBytes > 0 { log("warn", "\(path): cut a torn last line (\(repaired.tornBytes) bytes) left by a crash or a full disk") }
            if repaired.badLines > 0 { log("warn", "\(path): dropped \(repaired.badLines) line(s) that did not parse") }
        }
    }

    private func changed(_ failure: WriteFailure?, other: WriteFailure?) {
        guard other == nil else { return }  // the episode began (or goes on) with the other file
        var fields: [String: JSONValue] = ["home": .string(home)]
        if let failure {
            fields["path"] = .string(failure.path)
            fields["error"] = .string(failure.description)
            log(
                "error",
                "\(failure): \(failure.path) cannot be written; run-time changes are refused and "
                    + "captured output waits in its pipes until it can")
            loop.record(JournalNote(Self.key(failure), fields: fields))
        } else {
            log("info", "\(home) can be written again")
            loop.record(JournalNote("disk_ok", fields: fields))
        }
    }

    /// The fd holder could not keep a pipe of `name`: logged, and journaled
    /// as `output_not_kept` (`stream`, `error`): that output will not survive a killed daemon.
    func reportUnkept(_ name: String, _ stream: OutputKind, _ reason: String) {
        log(
            "warn",
            "\(name): its \(stream.rawValue) pipe is not kept by the fd holder (\(reason)): "
                + "that output will not survive a killed daemon")
        loop.record(JournalNote("output_not_kept", name: name, fields: ["stream": .string(stream.rawValue), "error": .string(reason)]))
    }

    private static func key(_ failure: WriteFailure) -> String { failure.isFull ? "disk_full" : "write_error" }
}
