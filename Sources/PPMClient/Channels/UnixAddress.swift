package import Glibc

/// A unix socket address for a path.
package enum UnixAddress {
    /// Calls `body` with the address and its length; nil if the path is too long.
    package static func with<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        with(Array(path.utf8) + [0], length: MemoryLayout<sockaddr_un>.size, body)
    }

    /// The same for an abstract name (Linux; no file): a NUL, then the
    /// name, whose end the address's length gives.
    package static func with<R>(abstract name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        let bytes = [0] + Array(name.utf8)
        return with(bytes, length: MemoryLayout<sa_family_t>.size + bytes.count, body)
    }

    private static func with<R>(_ bytes: [UInt8], length: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        guard bytes.count <= MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
        }
    }
}
