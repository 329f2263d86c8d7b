package import Glibc

/// An IP address and port, converted to and from the socket calls' forms.
package struct IPEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    package var address: [UInt8]
    /// The port.
    package var port: UInt16

    /// The endpoint of `address` (4 or 16 bytes) and `port`.
    package init(address: [UInt8], port: UInt16) {
        self.address = address
        self.port = port
    }

    /// The endpoint of a socket address filled in by accept or getsockname.
    package init?(_ storage: sockaddr_storage) {
        var s = storage
        switch Int32(s.ss_family) {
        case AF_INET:
            let v4 = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in.self) }
            var addr = v4.sin_addr
            address = withUnsafeBytes(of: &addr) { Array($0) }
            port = UInt16(bigEndian: v4.sin_port)
        case AF_INET6:
            let v6 = withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in6.self) }
            var addr = v6.sin6_addr
            address = withUnsafeBytes(of: &addr) { Array($0) }
            port = UInt16(bigEndian: v6.sin6_port)
        default:
            return nil
        }
    }

    /// `AF_INET` or `AF_INET6`.
    package var family: Int32 { address.count == 4 ? AF_INET : AF_INET6 }

    /// `127.0.0.1:7070` or `[::1]:7070`.
    package var description: String {
        address.count == 4 ? "\(IPAddress.text(address)):\(port)" : "[\(IPAddress.text(address))]:\(port)"
    }

    /// Calls `body` with the socket address and its length.
    package func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var storage = sockaddr_storage()
        let length: Int
        if address.count == 4 {
            var v4 = sockaddr_in()
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &v4.sin_addr) { $0.copyBytes(from: address) }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v4, as: sockaddr_in.self) }
            length = MemoryLayout<sockaddr_in>.size
        } else {
            var v6 = sockaddr_in6()
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &v6.sin6_addr) { $0.copyBytes(from: address) }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v6, as: sockaddr_in6.self) }
            length = MemoryLayout<sockaddr_in6>.size
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
        }
    }

    /// The local endpoint of a bound socket.
    package static func local(of fd: Int32) -> IPEndpoint? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return rc == 0 ? IPEndpoint(storage) : nil
    }

    /// Sets an integer socket option (best effort).
    package static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }
}
