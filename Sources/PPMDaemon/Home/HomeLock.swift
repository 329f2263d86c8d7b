import CSystem
import Glibc
import PPMClient
import PPMProtocol
import PPMRuntime

/// One daemon per home. The lock is `flock` on `<home>/daemon.lock`: inside
/// the 0700 home, so no other user can take it first (an abstract socket
/// name, which anyone may bind, let a local user keep the root daemon from
/// starting). An upgrade hands the locked descriptor across its exec.
///
/// The abstract socket `@ppm-lua-home-<hash>` is kept beside it for the one
/// case a file cannot catch, the home deleted under a running daemon: a name
/// held by a process of this user is another daemon; one held by anybody
/// else is a squatter, ignored with a warning.
struct HomeLock {
    /// The lock file's name inside the home.
    static let fileName = "daemon.lock"
    /// The descriptor holding the `flock`.
    let lock: Int32
    /// The listening abstract socket (-1 when another user's process holds the name).
    let name: Int32
    /// What the daemon should warn about (a squatted name), if anything.
    let warning: String?

    /// Takes the home; `inherited` is the locked descriptor an upgrade
    /// handed over. Throws with a one-line reason when another daemon holds it.
    static func take(_ home: String, inherited: Int32 = -1) throws -> HomeLock {
        let path = home + "/" + fileName
        let lock = try lockFile(path, home: home, inherited: inherited)
        let (name, warning) = try takeName(home)
        return HomeLock(lock: lock, name: name, warning: warning)
    }

    /// Marks the lock to stay open across exec (`keep`) or to close there.
    static func keepAcrossExec(_ fd: Int32, _ keep: Bool) {
        guard fd >= 0 else { return }
        _ = fcntl(fd, F_SETFD, keep ? 0 : FD_CLOEXEC)
    }

    private static func lockFile(_ path: String, home: String, inherited: Int32) throws -> Int32 {
        if inherited >= 0 {
            var held = stat()
            var onDisk = stat()
            if fstat(inherited, &held) == 0, lstat(path, &onDisk) == 0, held.st_dev == onDisk.st_dev, held.st_ino == onDisk.st_ino,
                flock(inherited, LOCK_EX | LOCK_NB) == 0
            {
                keepAcrossExec(inherited, false)
                return inherited
            }
            close(inherited)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
        guard fd >= 0 else { throw POSIXFailure("cannot lock \(home): \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid() else {
            close(fd)
            throw POSIXFailure("cannot lock \(home): \(path) is not a regular file of this user")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(fd)
            if error == EWOULDBLOCK { throw POSIXFailure(alreadyRunning(home)) }
            throw POSIXFailure("cannot lock \(home): \(path): \(String(cString: strerror(error)))")
        }
        return fd
    }

    private static func alreadyRunning(_ home: String) -> String {
        access(home + "/ppm.sock", F_OK) == 0
            ? "another daemon already runs on \(home)" : "another daemon already runs on \(home) (its socket is gone)"
    }

    /// Binds and listens on the home's abstract name; when it is taken, the
    /// holder's uid (SO_PEERCRED) tells a daemon from a squatter.
    private static func takeName(_ home: String) throws -> (Int32, String?) {
        let abstract = "ppm-lua-home-" + ServiceCgroups.hash(home)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return (-1, nil) }
        if UnixAddress.with(abstract: abstract, { bind(fd, $0, $1) }) == 0, listen(fd, 1) == 0 { return (fd, nil) }
        let error = errno
        close(fd)
        guard error == EADDRINUSE else { return (-1, nil) }
        guard let holder = holder(of: abstract) else {
            return (-1, "the name @\(abstract) is held by a process that does not answer (not a daemon of this home; ignored)")
        }
        if holder == geteuid() { throw POSIXFailure("another daemon already runs on \(home) (its files are gone)") }
        return (-1, "the name @\(abstract) is held by uid \(holder), not a daemon of this home; ignored")
    }

    /// The uid of the process listening on `abstract`, if it accepts connections.
    private static func holder(of abstract: String) -> uid_t? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard UnixAddress.with(abstract: abstract, { connect(fd, $0, $1) }) == 0 else { return nil }
        let uid = ppm_peer_uid(fd)
        return uid >= 0 ? uid_t(uid) : nil
    }
}
