import FoundationEssentials
import Glibc
import SystemCalls

/// Writes files so that a crash at any instant leaves the old or the new
/// version: temporary file, fsync, rename.
public enum AtomicFile {
    /// `sync: false` skips the fsync: the rename still guarantees the old or
    /// the new version after a crash of the process (not of the machine).
    /// Throws a `WriteFailure` (its `errno`: a full disk is `ENOSPC`); the
    /// temporary file is removed then, and the old version stays.
    public static func write(_ text: String, to path: String, sync: Bool = true) throws {
        let tmp = path + ".tmp"
        // Made anew, never through a symlink someone planted (O_EXCL | O_NOFOLLOW).
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteFailure(path: tmp, code: errno) }
        var ok = true, code: Int32 = 0
        do throws(SystemCallError) {
            try writeAll(fd, text)
            if sync && fsync(fd) != 0 { (ok, code) = (false, errno) }
        } catch { (ok, code) = (false, error.code) }
        close(fd)
        if ok && rename(tmp, path) != 0 {
            ok = false
            code = errno
        }
        guard ok else {
            unlink(tmp)
            throw WriteFailure(path: path, code: code)
        }
    }

    /// Appends one line-sized record (O_APPEND keeps concurrent lines whole).
    public static func append(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else { return }
        try? writeAll(fd, text)
        close(fd)
    }
}

/// A failed system call, with its message ready for the user.
public struct POSIXFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Reads a whole text file, or nil.
public enum FileContents {
    public static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every byte of a file, read to its end (devices such as /dev/null
    /// and pipes too); the error is `strerror` text ("No such file or directory").
    public static func bytes(_ path: String) -> Result<[UInt8], POSIXFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(POSIXFailure(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do throws(SystemCallError) { n = try syscall { Glibc.read(fd, &chunk, chunk.count) } } catch { return .failure(POSIXFailure(error.description)) }
            if n == 0 { return .success(bytes) }
            bytes += chunk[0..<n]
        }
    }
}
