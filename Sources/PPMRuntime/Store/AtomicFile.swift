import FoundationEssentials
import Glibc
import SystemCalls

/// Writes files so that a crash at any instant leaves the old or the new
/// version: temporary file, fsync, rename.
package enum AtomicFile {
    /// `sync: false` skips the fsync: the rename still guarantees the old or
    /// the new version after a crash of the process (not of the machine).
    /// Throws a `WriteFailure` (its `errno`: a full disk is `ENOSPC`); the
    /// temporary file is removed then, and the old version stays.
    package static func write(_ text: String, to path: String, sync: Bool = true) throws {
        let tmp = path + ".tmp"
        // Made anew, never through a symlink someone planted (O_EXCL | O_NOFOLLOW).
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteFailure(path: tmp, code: errno) }
        var ok = true
        var code: Int32 = 0
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
    package static func append(_ text: String, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard fd >= 0 else { return }
        try? writeAll(fd, text)
        close(fd)
    }
}
