import Glibc

/// What a client may see of a local daemon's process: whether it has
/// exited and waits to be reaped (a zombie, state Z in /proc/PID/stat).
package enum PeerProcess {
    /// True for a zombie, false for a live process, nil when /proc does not say (it is gone).
    package static func isZombie(_ pid: Int32) -> Bool? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        // "PID (COMM) S ...": the state follows the last ')' (a name may hold one).
        guard let paren = buffer[..<n].lastIndex(of: UInt8(ascii: ")")), paren + 2 < n else { return nil }
        return buffer[paren + 2] == UInt8(ascii: "Z")
    }
}
