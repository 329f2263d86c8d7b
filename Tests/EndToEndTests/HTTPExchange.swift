import Foundation

/// A plain TCP connection to a port of 127.0.0.1, as an HTTP client or a
/// misbehaving one would use it: bytes out, bytes in, with timeouts so a
/// test never hangs on a server that does not answer.
final class LoopbackSocket {
    let fd: Int32

    /// Connects; nil when the connection is refused.
    init?(port: Int, timeout: Double = 10) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            close(fd)
            return nil
        }
    }

    deinit { close(fd) }

    /// Sends every byte; how many went out before an error (a reset, a timeout).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        return sent
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads until the server closes; nil when the timeout passed first (or the connection was reset before any byte).
    func readToEnd() -> [UInt8]? {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return all }
            if n < 0 { return errno == ECONNRESET && !all.isEmpty ? all : (errno == ECONNRESET ? [] : nil) }
            all += buffer[..<n]
        }
    }
}

/// An HTTP response as the test reads it.
struct HTTPReply {
    var status: Int
    var head: String
    var body: String

    /// Parses a whole response (status line, headers, body); nil for anything else.
    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n"), text.hasPrefix("HTTP/1.") else { return nil }
        head = String(text[..<split.lowerBound])
        body = String(text[split.upperBound...])
        guard let code = head.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        status = code
    }
}

/// `METHOD path` on 127.0.0.1:port; nil when nothing answers in time.
func http(_ port: Int, _ path: String, method: String = "GET", timeout: Double = 10) -> HTTPReply? {
    guard let socket = LoopbackSocket(port: port, timeout: timeout) else { return nil }
    socket.send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n")
    return socket.readToEnd().flatMap(HTTPReply.init)
}

extension Sandbox {
    /// The port of the daemon's metrics endpoint (`status`'s `metrics`).
    func metricsPort() -> Int? {
        let out = run("status", "--json")
        guard let object = try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any],
            let address = object["metrics"] as? String, let colon = address.lastIndex(of: ":")
        else { return nil }
        return Int(address[address.index(after: colon)...])
    }
}
