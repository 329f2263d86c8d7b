import Foundation

@testable import PPMClient
@testable import PPMProtocol

/// A raw client of the daemon's TCP listener, as a socat or `openssl
/// s_client` user would drive it: lines in, lines out; in clear until
/// `startTLS` makes the TLS 1.3 handshake with the token as pre-shared key.
final class TCPClient {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var channel: ClientChannel?

    /// Connects to `127.0.0.1:port` from `source` (a loopback address).
    init(port: Int, from source: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let rc = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
        guard bound == 0, rc == 0 else {
            close(fd)
            throw SandboxError("cannot connect to 127.0.0.1:\(port) from \(source): \(String(cString: strerror(errno)))")
        }
    }

    /// Connects and makes the TLS handshake with the secret in `tokenFile`.
    convenience init(port: Int, from source: String = "127.0.0.1", tokenFile: String) throws {
        try self.init(port: port, from: source)
        try startTLS(tokenFile: tokenFile)
    }

    deinit { if channel == nil { close(fd) } }

    /// The TLS 1.3 handshake with the token (trailing whitespace removed) as key.
    func startTLS(tokenFile: String) throws {
        let context = try TLSContext.psk(server: false, key: RemoteToken.forClient(at: tokenFile).key)
        guard case .established(let tls) = TLSDial.handshake(fd, context, host: "127.0.0.1") else { throw SandboxError("TLS handshake failed") }
        channel = ClientChannel(tls: tls, fd: fd)
    }

    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        if let channel {
            _ = channel.send(bytes)
        } else {
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }

    /// Sends TLS close_notify (if in TLS) and shuts the socket's writing side.
    func closeWriting() {
        channel?.closeWriting()
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Bytes read within `seconds`: nil after that long without any, empty at end of input.
    func readBytes(_ seconds: Double) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        if let channel {
            guard let n = channel.read(into: &chunk, timeout: seconds) else { return nil }
            return Array(chunk[0..<max(0, n)])
        }
        var pending = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pending, 1, Int32(seconds * 1000) + 1) == 1 else { return nil }
        let n = read(fd, &chunk, chunk.count)
        return Array(chunk[0..<max(0, n)])
    }

    /// The next line; nil at end of input or after `seconds` without one.
    func readLine(_ seconds: Double = 10) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return nil }
            guard let bytes = readBytes(left) else { continue }
            if bytes.isEmpty { return nil }
            buffer += bytes
        }
    }

    /// A reply line as an object.
    func readObject(_ seconds: Double = 10) -> [String: Any]? {
        readLine(seconds).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Whether the daemon closed the connection within `seconds` (lines
    /// still unread are skipped).
    func closedWithin(_ seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 {
            if readBytes(0.05)?.isEmpty == true { return true }
        }
        return false
    }
}
