import Dispatch
import Glibc
import LuaKit
import PPMClient
import PPMMachine
import PPMProtocol
import PPMScript

/// One TCP client of the `RemoteListener`: its authentication in its
/// address's turn (see `FailureThrottle`) — the TLS handshake, or on a
/// plaintext listener the challenge — then each request checked against
/// its network's allow list before it goes to the loop, at most
/// `maxInFlight` at a time. Closed after `idle_timeout` without a request,
/// unless it follows events or logs. `@unchecked Sendable`: confined to
/// the listener's queue.
final class RemoteSession: @unchecked Sendable {
    enum Stage {
        /// Waiting for its turn to authenticate.
        case waiting
        /// The TLS handshake runs.
        case handshaking
        /// The challenge is out; the first line must answer it.
        case challenged(String)
        /// The answer waits for its turn.
        case judging
        case authenticated
    }

    let connection: ControlConnection
    /// The client's address (IPv4 clients of an IPv6 socket as IPv4).
    let address: [UInt8]
    unowned let listener: RemoteListener
    let rule: (network: ClientNetwork, commands: Set<ControlCommand>)?
    var stage = Stage.waiting
    var following = false
    var lastRequest: Double
    /// Counts the idle timers armed: one that fires after another was armed does nothing.
    private var idleTimer = 0
    /// The armed idle check, cancelled when the session ends: a timer left
    /// to its deadline keeps its Dispatch source (about 1.6 KB) that long,
    /// so a burst of short connections grew the daemon until the idle
    /// timeout passed.
    private var idleToken: TimerToken?
    /// Requests handed to the loop that it has not run yet.
    private var inFlight = 0
    /// Set when the connection closes, read from the loop.
    private let closed = ClosedFlag()

    /// Lines before authentication: an answer is about 100 bytes.
    static let maxLineBeforeAuth = 4096
    /// Lines after it: room for an `eval` chunk or an `add`.
    static let maxLine = 1 << 20
    /// Requests of one connection queued for the loop at once; reading
    /// stops until one has run.
    static let maxInFlight = 4

    init(connection: ControlConnection, address: [UInt8], listener: RemoteListener) {
        self.connection = connection
        self.address = address
        self.listener = listener
        rule = listener.settings.rule(for: address)
        lastRequest = listener.now
        connection.maxLine = Self.maxLineBeforeAuth
        connection.isRemote = true
        connection.addCleanup { [closed] in closed.set() }
    }

    var isAuthenticated: Bool { if case .authenticated = stage { true } else { false } }
    var addressText: String { IPAddress.text(address) }

    /// Authenticates in this address's turn: a TLS handshake, or the challenge.
    func start() {
        connection.onEndOfInput = { [weak self] in self?.inputEnded() }
        switch listener.security {
        case .tls(_, let certificates):
            judge { [self] settle in
                stage = .handshaking
                armIdleTimer(after: min(listener.settings.idleTimeout, RemoteListener.authTimeout))
                connection.establish { [weak self] failure in
                    guard let self else { return }
                    if let failure {
                        listener.refused(.init(address: addressText, reason: "tls handshake failed", detail: failure))
                        return settle(false)
                    }
                    settle(admitted(auth: certificates ? "tls-certificate" : "tls-psk"))
                }
            }
        case .challenge:
            guard rule != nil else {
                stage = .judging
                return judge { [self] settle in settle(admitted(auth: "")) }
            }
            let challenge = RemoteToken.challenge()
            stage = .challenged(challenge)
            connection.send(
                JSONValue.object([
                    "hello": .string("ppm-lua"), "version": .string(listener.version),
                    "auth": .string("hmac-sha256"), "challenge": .string(challenge),
                ]).text)
            connection.start { [weak self] line in self?.received(line) }
            armIdleTimer(after: min(listener.settings.idleTimeout, RemoteListener.authTimeout))
        }
    }

    /// The client has proved it holds the key: refused when its network is
    /// not allowed or the listener is full, else it is told what it may run
    /// and its requests are read. Whether it was admitted.
    func admitted(auth: String, id: JSONValue? = nil) -> Bool {
        guard let rule else {
            refuse("network not allowed", "\(addressText) is not in the listener's allow list")
            return false
        }
        guard listener.authenticated(self) else {
            connection.send(ControlReply.error(id ?? .null, "too many connections (max_clients \(listener.settings.maxClients)); try again later"))
            connection.closeAfterWrites()
            return true
        }
        stage = .authenticated
        connection.maxLine = Self.maxLine
        armIdleTimer(after: listener.settings.idleTimeout)
        var fields: [String: JSONValue] = [
            "address": .string(addressText), "network": .string(rule.network.description), "commands": .init(rule.commands.map(\.rawValue).sorted()),
            // The daemon's process: a follower that lost the connection knows it again after an `upgrade`.
            "pid": .int(Int64(getpid())),
        ]
        if let id {
            connection.send(ControlReply.ok(id, .object(fields)))
        } else {
            fields["hello"] = .string("ppm-lua")
            fields["version"] = .string(listener.version)
            fields["auth"] = .string(auth)
            connection.send(JSONValue.object(fields).text)
            connection.start { [weak self] line in self?.received(line) }
        }
        return true
    }

    /// Undoes what the session holds (its timer); the connection is closed.
    func stop() {
        idleTimer += 1  // the armed one finds it changed
        idleToken?.cancel()
        idleToken = nil
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
        lastRequest = listener.now
        switch stage {
        case .challenged(let challenge): answer(line, challenge)
        case .judging, .waiting, .handshaking: connection.send(ControlReply.error(.null, "wait for the answer to authentication"))
        case .authenticated: request(line)
        }
    }

    /// Runs `attempt` in this address's turn; what it settles feeds the throttle.
    func judge(_ attempt: @escaping (_ settle: @escaping (Bool) -> Void) -> Void) {
        let at = listener.throttle.slot(for: address, now: listener.now)
        nonisolated(unsafe) let attempt = attempt
        let run: @Sendable () -> Void = { [weak self] in
            guard let self, !self.connection.isClosed else { return }
            attempt { [weak self] ok in
                guard let self else { return }
                if ok {
                    self.listener.throttle.succeeded(self.address)
                } else {
                    self.listener.throttle.failed(self.address, now: self.listener.now)
                }
            }
        }
        let wait = at - listener.now
        if wait <= 0 { run() } else { listener.after(wait, run) }
    }

    /// A request of an authenticated client, checked against its allow list.
    private func request(_ line: String) {
        let request: ControlRequest
        switch ControlRequest.parse(line) {
        case .success(let r): request = r
        case .failure(let f): return connection.send(ControlReply.error(.null, f.description))
        }
        guard let command = ControlCommand(named: request.cmd) else {
            return connection.send(ControlReply.error(request.id, ControlService.unknown(request.cmd).description))
        }
        guard command != .auth else { return connection.send(ControlReply.error(request.id, "already authenticated")) }
        guard let rule, rule.commands.contains(command.permission ?? command) else {
            let granted = rule.map { $0.commands.map(\.rawValue).sorted().joined(separator: ", ") } ?? ""
            listener.refused(.init(address: addressText, reason: "command not allowed", cmd: request.cmd))
            return connection.send(
                ControlReply.error(
                    request.id,
                    "'\(request.cmd)' is not allowed from \(addressText) (its network \(rule?.network.description ?? "?") may run: \(granted))"))
        }
        if command == .interrupt {
            // Only this connection's chunks, never another client's or a hook.
            return connection.send(ControlReply.ok(request.id, .bool(listener.interrupt(connection))))
        }
        if command.streams(following: request.bool("follow")) { following = true }
        dispatch(request, command)
    }

    /// Hands the request to the loop; a connection closed before its turn
    /// comes has its request dropped.
    private func dispatch(_ request: ControlRequest, _ command: ControlCommand) {
        let (handler, connection, io) = (listener.handler, connection, listener.io)
        var call: LuaCallID?
        if command == .eval {
            call = LuaCallID.next()
            connection.evals.append(call!)
        }
        inFlight += 1
        if inFlight >= Self.maxInFlight { connection.pauseReading() }
        listener.loop.turnAsync { [weak self, closed, call] in
            if !closed.isSet { handler(request, connection, call) }
            io.perform { [weak self] in self?.ranOne() }
        }
    }

    private func ranOne() {
        inFlight -= 1
        if inFlight < Self.maxInFlight { connection.resumeReading() }
    }

    /// Journals the refusal, replies, and closes.
    func refuse(_ reason: String, _ message: String, id: JSONValue = .null) {
        listener.refused(.init(address: addressText, reason: reason))
        connection.send(ControlReply.error(id, message))
        connection.closeAfterWrites()
    }

    /// Closes the connection once it has been silent for `seconds` (checked
    /// when the timer fires, so requests do not re-arm it each time).
    func armIdleTimer(after seconds: Double) {
        idleTimer += 1
        let armed = idleTimer
        idleToken?.cancel()
        idleToken = listener.after(seconds) { [weak self] in
            guard let self, self.idleTimer == armed else { return }
            self.idleCheck(seconds)
        }
    }
}
