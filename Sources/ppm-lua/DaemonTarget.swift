import PPMProtocol

/// Where a client command reaches the daemon and how long it waits for an
/// answer to begin: what `ClientOptions` come to once read, and what
/// `QuickCommand` builds from the words it reads itself.
struct DaemonTarget: Sendable {
    /// The unix socket, or a TCP listener with its credentials.
    let endpoint: ControlEndpoint
    /// Seconds to wait for an answer to begin; 0: forever.
    let timeout: Double

    /// Connects, or exits 3 naming the socket or host (1 when refused). The
    /// timeout bounds only the wait for an answer to begin: `-f` then
    /// follows for as long as it runs.
    func connect() throws -> ControlClient {
        do {
            let client = try endpoint.connect()
            client.answerTimeout = timeout == 0 ? nil : timeout
            return client
        } catch { throw fail(error) }
    }
}
