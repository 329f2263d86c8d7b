import Dispatch
import LuaKit
import PPMCore
import PPMScript

/// One TCP client of the `RemoteListener`: the challenge, the judgement of
/// its answer (slowed down after failures from its address), then each
/// request checked against its network's allow list before it goes to the
/// loop. Closed after `idle_timeout` without a request, unless it follows
/// events or logs. `@unchecked Sendable`: confined to the listener's queue.
final class RemoteSession: @unchecked Sendable {
    private enum Stage {
        /// The challenge is out; the first line must answer it.
        case challenged(String)
        /// The answer waits for its turn (see `FailureThrottle`).
        case judging
        case authenticated
    }

    let connection: ControlConnection
    /// The client's address (IPv4 clients of an IPv6 socket as IPv4).
    let address: [UInt8]
    private unowned let listener: RemoteListener
    private let rule: (network: ClientNetwork, commands: Set<String>)?
    private var stage: Stage
    private var following = false
    private var lastRequest = RemoteListener.now
    /// Counts the idle timers armed: one that fires after another was armed does nothing.
    private var idleTimer = 0

    /// Lines before authentication: an answer is about 100 bytes.
    static let maxLineBeforeAuth = 4096
    /// Lines after it: room for an `eval` chunk or an `add`.
    static let maxLine = 1 << 20

    init(connection: ControlConnection, address: [UInt8], listener: RemoteListener) {
        self.connection = connection
        self.address = address
        self.listener = listener
        rule = listener.settings.rule(for: address)
        stage = .challenged(RemoteToken.challenge())
        connection.maxLine = Self.maxLineBeforeAuth
        connection.isRemote = true
    }

    var isAuthenticated: Bool { if case .authenticated = stage { true } else { false } }
    private var addressText: String { IPAddress.text(address) }

    /// Sends the challenge (or, for an address outside the allow list, the
    /// refusal in its turn) and starts reading.
    func start() {
        guard rule != nil else {
            stage = .judging
            return judge { [self] in
                refuse("network not allowed", "\(addressText) is not in the listener's allow list")
                return false
            }
        }
        guard case .challenged(let challenge) = stage else { return }
        let hello: JSONValue = .object([
            "hello": .string("ppm-lua"), "version": .string(listener.version),
            "auth": .string("hmac-sha256"), "challenge": .string(challenge),
        ])
        connection.send(hello.text)
        connection.onEndOfInput = { [weak self] in self?.inputEnded() }
        connection.start { [weak self] line in self?.received(line) }
        armIdleTimer(after: min(listener.settings.idleTimeout, RemoteListener.authTimeout))
    }

    /// Undoes what the session holds (its timer); the connection is closed.
    func stop() {
        idleTimer += 1  // the armed one finds it changed
    }

    /// The client closed its writing side: no request can come any more.
    /// A follower still reads and stays; any other connection closes once
    /// the loop has served what it asked (as on the unix socket), instead
    /// of holding one of `max_clients` until the idle timeout.
    private func inputEnded() {
        guard !following else { return }
        listener.loop.turnAsync { [connection] in connection.closeAfterWrites() }
    }

    private func received(_ line: String) {
        lastRequest = RemoteListener.now
        switch stage {
        case .challenged(let challenge): answer(line, challenge)
        case .judging: connection.send(ControlReply.error(.null, "wait for the answer to authentication"))
        case .authenticated: request(line)
        }
    }

    private func answer(_ line: String, _ challenge: String) {
        stage = .judging
        let request = try? ControlRequest.parse(line).get()
        judge { [self] in
            guard let request, request.cmd == "auth" else {
                refuse("not authenticated", "authenticate first: answer the challenge with {\"cmd\": \"auth\", \"args\": {\"hmac\": HEX}}",
                       id: request?.id ?? .null)
                return false
            }
            guard let hmac = request.string("hmac"), listener.token.accepts(hmac, for: challenge), let rule else {
                refuse("authentication failed", "authentication failed: the answer does not match the daemon's token", id: request.id)
                return false
            }
            stage = .authenticated
            connection.maxLine = Self.maxLine
            armIdleTimer(after: listener.settings.idleTimeout)
            connection.send(ControlReply.ok(request.id, .object([
                "address": .string(addressText), "network": .string(rule.network.description),
                "commands": .init(rule.commands.sorted()),
            ])))
            return true
        }
    }

    /// Runs `verdict` in this address's turn; its result feeds the throttle.
    private func judge(_ verdict: @escaping @Sendable () -> Bool) {
        let at = listener.throttle.slot(for: address, now: RemoteListener.now)
        let run: @Sendable () -> Void = { [weak self] in
            guard let self, !self.connection.isClosed else { return }
            if verdict() {
                self.listener.throttle.succeeded(self.address)
            } else {
                self.listener.throttle.failed(self.address, now: RemoteListener.now)
            }
        }
        let wait = at - RemoteListener.now
        if wait <= 0 { run() } else { listener.after(wait, run) }
    }

    private func request(_ line: String) {
        let request: ControlRequest
        switch ControlRequest.parse(line) {
        case .success(let r): request = r
        case .failure(let f): return connection.send(ControlReply.error(.null, f.description))
        }
        guard request.cmd != "auth" else { return connection.send(ControlReply.error(request.id, "already authenticated")) }
        guard let name = RemoteCommands.canonical(request.cmd) else {
            return connection.send(ControlReply.error(request.id, "unknown command '\(request.cmd)'\(Suggest.hint(request.cmd, in: RemoteCommands.all))"))
        }
        guard let rule, rule.commands.contains(name) else {
            let granted = rule.map { $0.commands.sorted().joined(separator: ", ") } ?? ""
            listener.refused(.init(address: addressText, reason: "command not allowed", cmd: request.cmd))
            return connection.send(ControlReply.error(request.id,
                "'\(request.cmd)' is not allowed from \(addressText) (its network \(rule?.network.description ?? "?") may run: \(granted))"))
        }
        if request.cmd == "interrupt" {
            // Only this connection's chunks, never another client's or a hook.
            return connection.send(ControlReply.ok(request.id, .bool(listener.interrupt(connection))))
        }
        if (name == "events" || name == "logs") && request.bool("follow") { following = true }
        let (handler, connection) = (listener.handler, connection)
        var call: LuaCallID?
        if request.cmd == "eval" {
            call = LuaCallID.next()
            connection.evals.append(call!)
        }
        listener.loop.turnAsync { [call] in handler(request, connection, call) }
    }

    /// Journals the refusal, replies, and closes.
    private func refuse(_ reason: String, _ message: String, id: JSONValue = .null) {
        listener.refused(.init(address: addressText, reason: reason))
        connection.send(ControlReply.error(id, message))
        connection.closeAfterWrites()
    }

    /// Closes the connection once it has been silent for `seconds` (checked
    /// when the timer fires, so requests do not re-arm it each time).
    private func armIdleTimer(after seconds: Double) {
        idleTimer += 1
        let armed = idleTimer
        listener.after(seconds) { [weak self] in
            guard let self, self.idleTimer == armed else { return }
            self.idleCheck(seconds)
        }
    }

    private func idleCheck(_ seconds: Double) {
        if following { return stop() }
        // An answer waiting for its turn is not idle (the wait is bounded).
        if case .judging = stage { return armIdleTimer(after: seconds) }
        let silent = RemoteListener.now - lastRequest
        if silent < seconds, isAuthenticated { return armIdleTimer(after: seconds - silent) }
        let message = isAuthenticated ? "closed after \(Console.fixed(seconds, decimals: 1)) s without a request (idle_timeout)"
                                      : "closed: no authentication within \(Console.fixed(seconds, decimals: 1)) s"
        connection.send(ControlReply.error(.null, message))
        connection.closeAfterWrites()
    }
}
