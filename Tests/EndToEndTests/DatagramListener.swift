import Foundation

/// A unix datagram socket a test binds in place of journald's or syslog's.
final class DatagramListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw SandboxError("cannot bind \(path): errno \(errno)") }
    }

    deinit { close(fd) }

    /// The datagrams that arrived since the last call.
    func receive() -> [[UInt8]] {
        var found: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return found }
            found.append(Array(buffer[0..<n]))
        }
    }

    /// journald's native format: `KEY=value\n`, or `KEY\n` + 64-bit little-endian length + value + `\n`.
    static func journalFields(_ bytes: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        var at = 0
        while at < bytes.count {
            guard let end = bytes[at...].firstIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "=") }) else { break }
            let key = String(decoding: bytes[at..<end], as: UTF8.self)
            if bytes[end] == UInt8(ascii: "=") {
                let stop = bytes[end...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                fields[key] = String(decoding: bytes[(end + 1)..<stop], as: UTF8.self)
                at = stop + 1
            } else {
                let length = (0..<8).reduce(0) { $0 | Int(bytes[end + 1 + $1]) << (8 * $1) }
                let start = end + 9
                fields[key] = String(decoding: bytes[start..<(start + length)], as: UTF8.self)
                at = start + length + 1
            }
        }
        return fields
    }
}
