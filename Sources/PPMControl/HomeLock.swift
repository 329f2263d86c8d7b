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
        let bound = UnixAddress.with(abstract: "ppm-lua-home-" + ServiceCgroups.hash(home)) { bind(fd, $0, $1) }
        if bound == 0 { return fd }
        let error = errno
        close(fd)
        if error == EADDRINUSE { throw POSIXFailure("another daemon already runs on \(home) (its socket is gone)") }
        return -1
    }
}
