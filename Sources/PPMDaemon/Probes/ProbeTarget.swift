import PPMProtocol
import PPMScript

/// The addresses probes connect to: `HOST:PORT` for `tcp`,
/// `http://HOST:PORT/PATH` for `http`. HOST is a numeric IPv4 address, an
/// IPv6 address in brackets (`[::1]:8080`) or `localhost` (127.0.0.1): a
/// name lookup could block the daemon's loop, so other names are refused
/// with a message saying so.
struct ProbeTarget: Equatable {
    var endpoint: IPEndpoint
    /// The Host header of an HTTP request: the URL's authority as written.
    var authority: String
    /// The request target of an HTTP request (`/` when the URL has no path).
    var path: String

    static func == (a: ProbeTarget, b: ProbeTarget) -> Bool {
        a.endpoint.address == b.endpoint.address && a.endpoint.port == b.endpoint.port && a.authority == b.authority && a.path == b.path
    }

    /// Parses `HOST:PORT`; the error is one line naming what is wrong.
    static func tcp(_ text: String) throws(ProbeError) -> ProbeTarget {
        ProbeTarget(endpoint: try endpoint(text, defaultPort: nil), authority: text, path: "/")
    }

    /// Parses `http://HOST[:PORT][/PATH]` (port 80 by default).
    static func http(_ url: String) throws(ProbeError) -> ProbeTarget {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") {
            throw ProbeError("'\(clip(url))': https is not supported by http probes (use an exec probe, e.g. curl -fsS URL)")
        }
        guard lower.hasPrefix("http://") else { throw ProbeError("'\(clip(url))' is not an http://HOST:PORT/PATH URL") }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var path = String(rest.dropFirst(authority.count).prefix { $0 != "#" })
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        guard !authority.contains("@") else { throw ProbeError("'\(clip(url))': user names in the URL are not supported") }
        guard path.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw ProbeError("'\(clip(url))': the path must not hold spaces or control characters")
        }
        return ProbeTarget(endpoint: try endpoint(String(authority), defaultPort: 80), authority: String(authority), path: path)
    }

    private static func endpoint(_ text: String, defaultPort: UInt16?) throws(ProbeError) -> IPEndpoint {
        let host: Substring
        let port: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw ProbeError("'\(clip(text))': missing ']' after an IPv6 address") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw ProbeError("'\(clip(text))': expected :PORT after ']'") }
            port = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw ProbeError("'\(clip(text))': write an IPv6 address in brackets, as [::1]:PORT") }
        } else {
            host = text[...]
            port = nil
        }
        let number: UInt16
        if let port {
            guard let n = UInt16(port), n > 0 else { throw ProbeError("'\(clip(text))': the port must be a number from 1 to 65535") }
            number = n
        } else if let defaultPort {
            number = defaultPort
        } else {
            throw ProbeError("'\(clip(text))': missing :PORT")
        }
        guard !host.isEmpty else { throw ProbeError("'\(clip(text))': missing host") }
        let name = host.lowercased() == "localhost" ? "127.0.0.1" : String(host)
        guard let bytes = IPAddress.bytes(name) else {
            throw ProbeError(
                "'\(clip(text))': '\(clip(String(host)))' is not a numeric IP address or localhost (a name lookup would block the daemon)")
        }
        guard bytes.count == 16 || text.hasPrefix("[") == false else { throw ProbeError("'\(clip(text))': brackets hold IPv6 addresses only") }
        return IPEndpoint(address: bytes, port: number)
    }

    private static func clip(_ text: String) -> String { HTTPResponseParser.clip(text) }
}

/// Why a probe could not even start: one line naming the cause.
struct ProbeError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
