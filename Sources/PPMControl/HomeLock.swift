import Glibc
import PPMCore

/// One daemon per home, even when the home's files are deleted under a
/// running one: an abstract unix socket named from a hash of the home's
/// path. It is no file (nothing can remove it), it goes when the process
/// does, and it is closed at exec, so an upgrade's new image takes it again.
enum HomeLock {
    /// Takes the home's name and returns the descriptor that holds it (-1
    /// where abstract sockets cannot be made); throws when another daemon
    /// holds it.
    static func take(_ home: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        let hex = SHA256.hash(Array(home.utf8)).prefix(12).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let name = Array("ppm-lua-home-\(hex)".utf8)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // An abstract name: a NUL, then the name's bytes (the length says where it ends).
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw[0] = 0
            for (i, byte) in name.enumerated() { raw[i + 1] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + name.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        if bound == 0 { return fd }
        let error = errno
        close(fd)
        if error == EADDRINUSE { throw POSIXFailure("another daemon already runs on \(home) (its socket is gone)") }
        return -1
    }
}
