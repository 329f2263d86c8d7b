import PPMClient
import PPMProtocol
import PPMRuntime
import SystemCalls

/// The plaintext listener's challenge-response (`tls = false`, loopback
/// only) and the idle timer of every session.
extension RemoteSession {
    /// The first line of a plaintext client: the answer to the challenge.
    func answer(_ line: String, _ challenge: String) {
        // A client trying TLS first (a ClientHello): it goes away and comes
        // back in clear; no failure to count.
        if line.utf8.first == 0x16 { return connection.close() }
        stage = .judging
        let request = try? ControlRequest.parse(line).get()
        judge { [self] settle in
            guard let request, ControlCommand(named: request.cmd) == .auth else {
                refuse(
                    "not authenticated", "authenticate first: answer the challenge with {\"cmd\": \"auth\", \"args\": {\"hmac\": HEX}}",
                    id: request?.id ?? .null)
                return settle(false)
            }
            guard case .challenge(let token) = listener.security, let hmac = request.string("hmac"), token.accepts(hmac, for: challenge) else {
                refuse("authentication failed", "authentication failed: the answer does not match the daemon's token", id: request.id)
                return settle(false)
            }
            settle(admitted(auth: "hmac-sha256", id: request.id))
        }
    }

    func idleCheck(_ seconds: Double) {
        if following { return stop() }
        switch stage {
        // An answer waiting for its turn is not idle (the wait is bounded).
        case .judging, .waiting: return armIdleTimer(after: seconds)
        // A handshake not done in time: nothing can be said in clear.
        case .handshaking: return connection.close()
        case .challenged, .authenticated: break
        }
        // Authenticated: silent for the whole idle_timeout, whatever this timer was armed for.
        let idle = listener.settings.idleTimeout
        let silent = listener.now - lastRequest
        if silent < idle, isAuthenticated { return armIdleTimer(after: idle - silent) }
        let message =
            isAuthenticated
            ? "closed after \(DecimalText.fixed(idle, decimals: 1)) s without a request (idle_timeout)"
            : "closed: no authentication within \(DecimalText.fixed(seconds, decimals: 1)) s"
        connection.send(ControlReply.error(.null, message))
        connection.closeAfterWrites()
    }
}
