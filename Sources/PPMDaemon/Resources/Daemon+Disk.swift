import PPMCore
import PPMProtocol

/// The home's disk: run-time changes reach it before a client hears of
/// them, and a home that cannot be written (full, quota, I/O error) is
/// shown by `status` and journaled once per episode.
extension Daemon {
    /// Runs `body` as a turn of the loop once `changes` are on disk (written
    /// and fsynced; at once when they change nothing). When they cannot be
    /// written, `refused` runs instead and the reply is the cause, e.g.
    /// `no space left on /var/lib/ppm-lua; 'web' not added`: nothing changed.
    func durably(_ changes: [StateChange], _ reply: @escaping Reply, unchanged: String,
                 refused: @escaping () -> Void = {}, _ body: @escaping () -> Void) {
        var answeredAtOnce = true
        store.commit(changes) { [self] failure in
            if let failure {
                refused()
                return reply(.failure(ControlFailure("\(failure); \(unchanged)")))
            }
            // At once: still inside the request's turn. Later: a turn of its own.
            if answeredAtOnce { return body() }
            loop.turn(body)
            followDepends()
        }
        answeredAtOnce = false
    }

    /// What `status` says while a home file (state log, journal, a
    /// service's log) cannot be written: `disk_full` (or `write_error` for
    /// another cause) with the file and the error.
    var diskStatus: [String: JSONValue] {
        guard let failure = store.problem ?? journal.problem ?? output.problem else { return [:] }
        return [Self.diskKey(failure): .object(["path": .string(failure.path), "error": .string(failure.description)])]
    }

    /// Listens to the state log and the journal: the first failure of a
    /// series is journaled (`disk_full` or `write_error`, with `path` and
    /// `error`) and logged, and so is the end of it (`disk_ok`), once for
    /// the home whichever of its files hears it first.
    func watchDisk() {
        store.onProblem = { [unowned self] failure in diskChanged(failure, other: journal.problem ?? output.problem) }
        journal.onProblem = { [unowned self] failure in diskChanged(failure, other: store.problem ?? output.problem) }
        // A log file that cannot be written: the service's output waits in its pipe.
        output.onProblem = { [unowned self] failure in diskChanged(failure, other: store.problem ?? journal.problem) }
        output.schedule = { [unowned self] delay, body in _ = scheduler.schedule(after: delay, body) }
    }

    /// Logs what the state log and the journal repaired at start (a torn
    /// last line cut, lines that did not parse dropped).
    func logRepairs() {
        for (path, repaired) in [(store.path, store.repaired), (options.locations.journal, journal.repaired)] {
            if repaired.tornBytes > 0 { log("warn", "\(path): cut a torn last line (\(repaired.tornBytes) bytes) left by a crash or a full disk") }
            if repaired.badLines > 0 { log("warn", "\(path): dropped \(repaired.badLines) line(s) that did not parse") }
        }
    }

    private func diskChanged(_ failure: WriteFailure?, other: WriteFailure?) {
        guard other == nil else { return }  // the episode began (or goes on) with the other file
        var fields: [String: JSONValue] = ["home": .string(options.locations.home)]
        if let failure {
            fields["path"] = .string(failure.path)
            fields["error"] = .string(failure.description)
            log("error", "\(failure): \(failure.path) cannot be written; run-time changes are refused and "
                + "captured output waits in its pipes until it can")
            loop.record(JournalNote(Self.diskKey(failure), fields: fields))
        } else {
            log("info", "\(options.locations.home) can be written again")
            loop.record(JournalNote("disk_ok", fields: fields))
        }
    }

    /// The fd holder could not keep a pipe of `name`: logged, and journaled
    /// as `output_not_kept` (`stream`, `error`): that output will not survive a killed daemon.
    func reportUnkept(_ name: String, _ stream: OutputKind, _ reason: String) {
        log("warn", "\(name): its \(stream.rawValue) pipe is not kept by the fd holder (\(reason)): "
            + "that output will not survive a killed daemon")
        loop.record(JournalNote("output_not_kept", name: name, fields: ["stream": .string(stream.rawValue), "error": .string(reason)]))
    }

    private static func diskKey(_ failure: WriteFailure) -> String { failure.isFull ? "disk_full" : "write_error" }
}
