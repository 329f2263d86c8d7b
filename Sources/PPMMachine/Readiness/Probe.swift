/// A check run from outside the process: readiness or health.
package enum Probe: Sendable, Equatable {
    /// A TCP connection to `HOST:PORT` succeeds.
    case tcp(String)
    /// A GET of the URL answers 2xx or 3xx.
    case http(String)
    /// The command, run as the service's user in its dir and env, exits 0.
    case exec([String])
    /// The service's Lua probe function (held by the script layer) returns true.
    case function

    /// `tcp`, `http`, `exec` or `function`.
    package var kind: String {
        switch self {
        case .tcp: "tcp"
        case .http: "http"
        case .exec: "exec"
        case .function: "function"
        }
    }
}
