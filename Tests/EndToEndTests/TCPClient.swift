import Foundation
@testable import PPMControl

/// A raw client of the daemon's TCP listener, as a socat user would drive
/// it: lines in, lines out, the challenge answered by hand.
final class TCPClient {
    let fd: Int32
    private var buffer: [UInt8] = []

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

    deinit { close(fd) }

    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
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
            var pending = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pending, 1, Int32(left * 1000) + 1) == 1 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
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
            var pending = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pending, 1, 50) == 1 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            if read(fd, &chunk, chunk.count) <= 0 { return true }
        }
        return false
    }

    /// Reads the challenge and answers it with HMAC-SHA256 of the secret in
    /// `tokenFile` (trailing whitespace removed); returns the reply.
    func authenticate(tokenFile: String) throws -> [String: Any] {
        guard let hello = readObject(), let challenge = hello["challenge"] as? String else { throw SandboxError("no challenge") }
        let secret = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let mac = SHA256.hmac(key: Array(secret.utf8), message: Array(challenge.utf8))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        send(#"{"id":1,"cmd":"auth","args":{"hmac":"\#(hex)"}}"#)
        guard let reply = readObject() else { throw SandboxError("no answer to auth") }
        return reply
    }
}
