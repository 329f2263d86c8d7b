import Glibc
import SystemCalls

/// O_PATH (the same on every Linux architecture; Glibc's module leaves it out).
private let pathOnly: Int32 = 0o10000000

extension FileGlob {
    /// How many bytes of a file's content its digest reads; a longer file
    /// counts through its first bytes, its size and its modification time.
    package static let digestCap = 8 << 20

    /// A 64-bit FNV-1a digest of a regular file: of its content when it has
    /// at most `cap` bytes, else of its first `cap` bytes, its size and its
    /// modification time. Nil if it cannot be read or is not a regular file
    /// (a FIFO, a device such as /dev/zero, a socket, also through a
    /// symlink): such a file is never opened for reading, so nothing blocks
    /// or reads forever.
    package static func digest(_ path: String, cap: Int = digestCap) -> UInt64? {
        // O_PATH opens nothing's content (a FIFO's open would wait for a writer).
        let handle = open(path, pathOnly | O_CLOEXEC)
        guard handle >= 0 else { return nil }
        defer { close(handle) }
        var info = stat()
        guard fstat(handle, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        // Reopened through the descriptor: the very file checked, even if the path changed since.
        var fd = open("/proc/self/fd/\(handle)", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) }  // no /proc
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0, (opened.st_mode & S_IFMT) == S_IFREG,
            opened.st_dev == info.st_dev, opened.st_ino == info.st_ino
        else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let mix = { (byte: UInt8) in hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        var total = 0
        while total < cap {
            guard let n = try? syscall({ read(fd, buffer.baseAddress, min(buffer.count, cap - total)) }) else { return nil }
            if n == 0 { return hash }
            for byte in UnsafeRawBufferPointer(rebasing: buffer[..<n]) { mix(byte) }
            total += n
        }
        // At the cap: whatever lies beyond counts through size and mtime.
        let tail = [Int64(opened.st_size), Int64(opened.st_mtim.tv_sec), Int64(opened.st_mtim.tv_nsec)]
        tail.withUnsafeBytes { for byte in $0 { mix(byte) } }
        return hash
    }
}
