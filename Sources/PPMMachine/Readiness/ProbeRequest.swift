/// One check the daemon makes on the loop without blocking it: the kinds of
/// `ready =` and `health =` tables and of `ppm.probe.*` (SPEC 9).
package enum ProbeRequest: Sendable, Equatable {
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
    package var kind: String {
        switch self {
        case .tcp: return "tcp"
        case .http: return "http"
        case .exec: return "exec"
        }
    }
}
