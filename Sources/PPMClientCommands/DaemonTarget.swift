package import PPMClient

/// Where a client command reaches the daemon and how long it waits for an
/// answer to begin: what the full program's `ClientOptions` come to once
/// read (a unix socket, or a TCP listener through TLS, which it supplies
/// as `open`), and what `QuickCommand` builds from the words it reads itself.
package struct DaemonTarget: Sendable {
    /// Opens a connection (the daemon's unix socket, or its TCP listener).
    package let open: @Sendable () throws(ControlClient.Failure) -> ControlClient
    /// Whether the daemon is a process of this machine (a unix socket).
    package let isLocal: Bool
    /// Seconds to wait for an answer to begin; 0: forever.
    package let timeout: Double

    /// A target that `open` connects to.
    package init(isLocal: Bool, timeout: Double, open: @escaping @Sendable () throws(ControlClient.Failure) -> ControlClient) {
        self.open = open
        self.isLocal = isLocal
        self.timeout = timeout
    }

    /// The daemon's unix socket at `path`.
    package init(socket path: String, timeout: Double) {
        self.init(isLocal: true, timeout: timeout) { () throws(ControlClient.Failure) in try ControlClient(socket: path) }
    }

    /// Connects, or exits 3 naming the socket or host (1 when refused). The
    /// timeout bounds only the wait for an answer to begin: `-f` then
    /// follows for as long as it runs.
    package func connect() throws -> ControlClient {
        do {
            let client = try open()
            client.answerTimeout = timeout == 0 ? nil : timeout
            return client
        } catch { throw ClientExit.report(error) }
    }
}
