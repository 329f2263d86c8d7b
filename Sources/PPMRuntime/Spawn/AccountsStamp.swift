import CSystem
import Glibc

/// Identity of /etc/passwd and /etc/group (inode, size, modification
/// time): a change means user and group lookups must be made again.
struct AccountsStamp: Equatable {
    /// One file's inode, size and modification time (all 0 if missing).
    struct FileStamp: Equatable {
        var inode: UInt = 0, size = 0, seconds = 0, nanoseconds = 0
    }

    var passwd: FileStamp
    var group: FileStamp

    /// The files as they are now (two stat calls, no allocation).
    static func current() -> AccountsStamp {
        AccountsStamp(passwd: stamp("/etc/passwd"), group: stamp("/etc/group"))
    }

    private static func stamp(_ path: String) -> FileStamp {
        var st = stat()
        guard stat(path, &st) == 0 else { return FileStamp() }
        return FileStamp(inode: st.st_ino, size: st.st_size, seconds: st.st_mtim.tv_sec, nanoseconds: st.st_mtim.tv_nsec)
    }
}
