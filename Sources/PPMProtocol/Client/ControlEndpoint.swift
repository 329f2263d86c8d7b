import Glibc
package import PPMClient
import PPMMachine
import SystemCalls

/// Where a client reaches the daemon: its unix socket, or its TCP listener
/// with the token (the TLS pre-shared key) or the certificates it takes.
package enum ControlEndpoint: Sendable, CustomStringConvertible {
    /// The control socket's path.
    case socket(String)
    /// `HOST:PORT` (a name, an IPv4 address or `[IPv6]`), how to prove who
    /// the client is, and optionally the local address to connect from.
    case host(String, credentials: RemoteCredentials, bind: String?)

    /// The socket path or `HOST:PORT`, as messages name it.
    package var description: String {
        switch self {
        case .socket(let path): path
        case .host(let host, _, _): host
        }
    }

    /// Seconds a TCP connection may take to open.
    static let connectTimeout: Int32 = 10

    /// Connects, and over TCP authenticates; `noDaemon` when nothing
    /// answers, `failed` when the listener refuses.
    ///
    /// TLS comes first: the client sends its ClientHello at once. A
    /// plaintext listener (`tls = false`, loopback only) has sent its hello
    /// line by then, which the client sees instead of a ServerHello: it
    /// connects again in clear and answers the challenge.
    package func connect() throws(ControlClient.Failure) -> ControlClient {
        switch self {
        case .socket(let path): return try ControlClient(socket: path)
        case .host(let host, let credentials, let bind):
            let context: TLSContext
            let token: RemoteToken?
            do {
                switch credentials {
                case .token(let file):
                    token = try RemoteToken.forClient(at: file)
                    context = try TLSContext.psk(server: false, key: token!.key)
                case .certificates(let ca, let cert, let key):
                    token = nil
                    context = try TLSContext.certificates(server: false, cert: cert, key: key, ca: ca)
                }
            } catch { throw .failed("\(error)") }
            let fd = try Self.open(host, bind: bind)
            switch TLSDial.handshake(fd, context, host: Self.name(host)) {
            case .established(let channel):
                let client = ControlClient(ClientChannel(tls: channel, fd: fd))
                try Self.welcome(client, host)
                return client
            case .failed(let reason):
                close(fd)
                throw .failed("\(host): TLS handshake failed (\(credentials.mismatch)): \(reason)")
            case .plaintext:
                close(fd)
                guard let token else { throw .failed("\(host) speaks in clear (tls = false): connect with --token-file") }
                let client = ControlClient(ClientChannel(plain: try Self.open(host, bind: bind)))
                try Self.authenticate(client, token, host)
                return client
            }
        }
    }

    /// The host part of `HOST:PORT`, without brackets.
    private static func name(_ text: String) -> String {
        var name = String(text[..<(text.lastIndex(of: ":") ?? text.endIndex)])
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        return name
    }

    /// The first address of `host` that accepts a connection.
    private static func open(_ text: String, bind: String?) throws(ControlClient.Failure) -> Int32 {
        guard let colon = text.lastIndex(of: ":"), !text[text.index(after: colon)...].isEmpty else {
            throw .failed("--host expects HOST:PORT (e.g. 10.0.0.5:7070 or [fd00::5]:7070), got '\(text)'")
        }
        var name = String(text[..<colon])
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        let port = String(text[text.index(after: colon)...])
        let source: [UInt8]?
        if let bind {
            guard let b = IPAddress.bytes(bind) else { throw .failed("--bind expects a numeric IP address, got '\(bind)'") }
            source = b
        } else {
            source = nil
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = source.map { $0.count == 4 ? AF_INET : AF_INET6 } ?? AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(name, port, &hints, &list)
        guard rc == 0, let first = list else { throw .failed("cannot resolve \(name): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(first) }
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            next = info.pointee.ai_next
            let fd = Glibc.socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { continue }
            if let source, IPEndpoint(address: source, port: 0).withSockaddr({ Glibc.bind(fd, $0, $1) }) != 0 {
                let message = String(cString: strerror(errno))
                close(fd)
                throw .failed("cannot connect from \(bind ?? ""): \(message)")
            }
            if connected(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) {
                IPEndpoint.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                return fd
            }
            close(fd)
        }
        throw .noDaemon(text)
    }

    /// A blocking connect bounded by `connectTimeout`.
    private static func connected(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Bool {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if Glibc.connect(fd, address, length) == 0 { return true }
        guard errno == EINPROGRESS else { return false }
        var pending = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard (try? syscall { poll(&pending, 1, connectTimeout * 1000) }) == 1 else { return false }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0
    }

    /// Reads a TLS listener's hello (what the client may run, the daemon's
    /// pid), or its refusal (a full listener, an address it does not allow).
    private static func welcome(_ client: ControlClient, _ host: String) throws(ControlClient.Failure) {
        guard let line = try client.readLine(timeout: Double(connectTimeout)) else {
            throw .failed("\(host): no answer within \(connectTimeout) s after the TLS handshake")
        }
        guard let hello = try? JSONValue.parse(String(decoding: line, as: UTF8.self)) else {
            throw .failed("\(host) does not speak the ppm-lua protocol")
        }
        if hello["ok"]?.boolValue == false { throw .failed(hello["error"]?.stringValue ?? "refused") }
        client.remotePid = hello["pid"]?.intValue.flatMap { Int32(exactly: $0) }
    }

    /// Reads the challenge of a plaintext listener and answers it; the listener's refusal (a full
    /// listener, an address it does not allow, a wrong token) is `failed`.
    private static func authenticate(_ client: ControlClient, _ token: RemoteToken, _ host: String) throws(ControlClient.Failure) {
        guard let line = try? client.readLine(timeout: nil) else { throw .failed("\(host) closed the connection before authentication") }
        guard let hello = try? JSONValue.parse(String(decoding: line, as: UTF8.self)) else {
            throw .failed("\(host) does not speak the ppm-lua protocol")
        }
        if hello["ok"]?.boolValue == false { throw .failed("\(host): \(hello["error"]?.stringValue ?? "refused")") }
        guard hello["auth"]?.stringValue == "hmac-sha256", let challenge = hello["challenge"]?.stringValue else {
            throw .failed("\(host) does not speak the ppm-lua protocol (no hmac-sha256 challenge)")
        }
        do {
            let admitted = try client.call(ControlCommand.auth.rawValue, ["hmac": .string(token.answer(challenge))])
            client.remotePid = admitted["pid"]?.intValue.flatMap { Int32(exactly: $0) }
        } catch {
            throw .failed("\(host): \(error.description)")
        }
    }
}
