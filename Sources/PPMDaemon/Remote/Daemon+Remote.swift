import Glibc
import PPMCore
import PPMScript

/// The TCP listener's place in the daemon: made at start when the config
/// asks for one, refusals journaled as `remote_refused`.
extension Daemon {
    /// The listener `ppm.settings { listen = ... }` describes, bound and
    /// ready to resume; nil without one. Throws (the daemon then exits 1)
    /// when the token file is unsafe or the address cannot be bound.
    func makeRemoteListener() throws -> RemoteListener? {
        guard let settings = host.listen else { return nil }
        return try RemoteListener(
            settings: settings, version: options.version, loop: queue, scheduler: scheduler,
            interrupt: { [interrupter] connection in !connection.evals.filter { interrupter.interrupt($0) }.isEmpty },
            handler: { [unowned self] request, connection, call in self.handle(request, connection, call: call) },
            refused: { [unowned self] refusal in
                self.queue.turnAsync { self.journalRefusal(refusal) }
            })
    }

    /// A reloaded config keeps the running listener: says so when its
    /// `listen` settings differ (they apply when the daemon starts again).
    func noteListenChange(_ fresh: ScriptHost) {
        guard fresh.listen != remote?.settings else { return }
        log("warn", "ppm.settings listen changed: the TCP listener keeps its current settings until the daemon restarts")
    }

    private func journalRefusal(_ refusal: RemoteListener.Refusal) {
        var fields: [String: JSONValue] = ["address": .string(refusal.address), "reason": .string(refusal.reason)]
        if let cmd = refusal.cmd { fields["cmd"] = .string(cmd) }
        if let count = refusal.count { fields["count"] = .int(Int64(count)) }
        loop.record(JournalNote("remote_refused", fields: fields))
        guard refusal.count == nil else { return log("warn", "TCP listener: \(refusal.reason)") }
        log("warn", "TCP client \(refusal.address) refused: \(refusal.reason)\(refusal.cmd.map { " ('\($0)')" } ?? "")\(refusal.detail.map { ": \($0)" } ?? "")")
    }
}
