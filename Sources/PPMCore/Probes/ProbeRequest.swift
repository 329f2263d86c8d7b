/// One check the daemon makes on the loop without blocking it: the kinds of
/// `ready =` and `health =` tables and of `ppm.probe.*` (SPEC 9).
public enum ProbeRequest: Sendable, Equatable {
    /// A TCP connection to `HOST:PORT` (`[::1]:P` for IPv6) succeeds.
    case tcp(String)
    /// An HTTP/1.1 GET of `http://HOST:PORT/PATH` with these extra header
    /// fields answers; `ok` for a 2xx or 3xx status.
    case http(String, headers: [String: String])
    /// A command runs to its end; `ok` for exit status 0. It runs as the
    /// user, in the dir and with the environment of the service named
    /// (none: as the daemon, like `ppm.spawn`).
    case exec([String], service: String?)

    /// `tcp`, `http` or `exec`.
    public var kind: String {
        switch self {
        case .tcp: return "tcp"
        case .http: return "http"
        case .exec: return "exec"
        }
    }
}

/// What a probe found.
public struct ProbeResult: Sendable, Equatable {
    /// Whether the check passed (connected; 2xx/3xx; exit status 0).
    public var ok: Bool
    /// One line: what passed or why it failed ("connection refused",
    /// "timed out after 2 s", "HTTP 503 Service Unavailable").
    public var message: String
    /// The HTTP status or the exit status, when one was received.
    public var status: Int?
    /// The HTTP body or the command's stdout, at most `maxOutput` bytes.
    public var output: [UInt8]

    /// The most of a body or stdout a probe keeps.
    public static let maxOutput = 64 * 1024

    public init(ok: Bool, message: String, status: Int? = nil, output: [UInt8] = []) {
        self.ok = ok
        self.message = message
        self.status = status
        self.output = output
    }

    /// A failure with this reason.
    public static func failed(_ message: String) -> ProbeResult { ProbeResult(ok: false, message: message) }
}

/// A probe under way; `cancel()` ends it (its socket closed, its command
/// killed) and its completion is never called.
public final class ProbeHandle {
    private var onCancel: (() -> Void)?

    public init(onCancel: (() -> Void)? = nil) { self.onCancel = onCancel }

    /// Ends the probe; calling it again, or after the completion, does nothing.
    public func cancel() {
        let action = onCancel
        onCancel = nil
        action?()
    }

    /// Called by the engine once it completed: a later `cancel` does nothing.
    public func finished() { onCancel = nil }
}
