import Dispatch
import Glibc
import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMScript

/// The TCP listener's place in the daemon: opened when the daemon starts
/// serving, if the config asks for one; refusals journaled as
/// `remote_refused`. A reload keeps the listener as it is.
final class RemoteAccess {
    /// The listener, once `open` made one.
    private(set) var listener: RemoteListener?
    private let loop: SupervisorLoop
    private let log: DaemonLog

    /// Nothing listens until `open`; refusals go to `loop`'s journal and `log`.
    init(loop: SupervisorLoop, log: DaemonLog) {
        self.loop = loop
        self.log = log
    }

    /// Binds the listener `settings` describe (none without settings),
    /// ready to resume. Throws (the daemon then exits 1) when the token file
    /// is unsafe or the address cannot be bound.
    func open(
        _ settings: ListenSettings?, version: String, queue: DispatchQueue, scheduler: Scheduler,
        interrupter: CurrentInterrupter, handler: @escaping ControlServer.Handler
    ) throws {
        guard let settings else { return }
        // Refusals cross from the listener's thread to the loop, where `loop` is used.
        nonisolated(unsafe) let loop = loop
        listener = try RemoteListener(
            settings: settings, version: version, loop: queue, scheduler: scheduler,
            interrupt: { [interrupter] connection in !connection.evals.filter { interrupter.interrupt($0) }.isEmpty },
            handler: handler,
            refused: { [log] refusal in
                queue.turnAsync { Self.journal(refusal, loop: loop, log: log) }
            })
    }

    /// Where it listens (`status`), nil without a listener.
    var endpoint: IPEndpoint? { listener?.endpoint }

    /// Starts accepting clients.
    func resume() { listener?.resume() }

    /// Stops accepting and closes its connections (at quit).
    func shutdown() { listener?.shutdown() }

    /// A reloaded config keeps the running listener: says so when its
    /// `listen` settings differ (they apply when the daemon starts again).
    func noteChange(_ fresh: ListenSettings?) {
        guard fresh != listener?.settings else { return }
        log("warn", "ppm.settings listen changed: the TCP listener keeps its current settings until the daemon restarts")
    }

    private static func journal(_ refusal: RemoteListener.Refusal, loop: SupervisorLoop, log: DaemonLog) {
        var fields: [String: JSONValue] = ["address": .string(refusal.address), "reason": .string(refusal.reason)]
        if let cmd = refusal.cmd { fields["cmd"] = .string(cmd) }
        if let count = refusal.count { fields["count"] = .int(Int64(count)) }
        loop.record(JournalNote("remote_refused", fields: fields))
        guard refusal.count == nil else { return log("warn", "TCP listener: \(refusal.reason)") }
        log(
            "warn",
            "TCP client \(refusal.address) refused: \(refusal.reason)\(refusal.cmd.map { " ('\($0)')" } ?? "")\(refusal.detail.map { ": \($0)" } ?? "")"
        )
    }
}
