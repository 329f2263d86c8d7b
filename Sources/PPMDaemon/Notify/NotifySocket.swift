import CSystem
import Glibc
import PPMProtocol
import PPMRuntime

/// What a service's process told the daemon in one datagram.
struct NotifyDelivery: Sendable {
    /// The service the sender belongs to.
    var service: String
    /// The sending process (from the kernel's credentials).
    var sender: Int32
    /// The messages it held, in order (a `MAINPID=` outside the service is left out).
    var messages: [NotifyMessage]
}

/// The daemon's `NOTIFY_SOCKET` (SPEC 9, "sd_notify"): one datagram socket
/// that services with `ready = "notify"` send `READY=1`, `STATUS=…` and the
/// rest of systemd's protocol to.
///
/// **Abstract, not a file under `<home>`.** `<home>` is 0700 (SPEC 2), so a
/// service that runs as another `user` could not reach a socket file there,
/// and the 108-byte `sun_path` limit would fail long homes. An abstract name
/// has neither problem; anyone on the host may send to it, which is why every
/// datagram is judged by the kernel's credentials (`SO_PASSCRED`), never by
/// what it says: a sender the lookup does not place in a service is ignored.
/// The name is derived from the home (`@ppm-lua-notify-<hash>`), so a daemon
/// that follows a killed one binds the name its services already have; a
/// daemon that re-executes keeps the socket itself (`keepAcrossExec`).
final class NotifySocket: @unchecked Sendable {
    /// The environment variable naming the descriptor kept across a re-exec.
    static let inheritedVariable = "PPM_LUA_NOTIFY_FD"
    /// Datagrams longer than this are dropped (systemd's own bound).
    static let maxDatagram = 4096
    /// Datagrams read in one wake-up at most: a flood cannot hold the loop.
    static let batch = 64
    /// Senders outside every service that are logged once each, at most.
    static let loggedSendersLimit = 256

    /// The abstract name (without the leading NUL).
    let name: String
    /// What services get as `NOTIFY_SOCKET` (`@name`).
    var address: String { "@" + name }
    private(set) var fd: Int32
    private let watcher: ReadinessSet
    /// The service of a process, or nil (the daemon's process groups and cgroups).
    private let lookup: (Int32) -> String?
    private let deliver: (NotifyDelivery) -> Void
    private let log: (String) -> Void
    private var loggedSenders: Set<Int32> = []
    /// Datagrams from no service's process (or without credentials).
    private(set) var ignored = 0
    /// Datagrams over `maxDatagram` bytes, dropped unread.
    private(set) var oversized = 0
    private var buffer = [UInt8](repeating: 0, count: NotifySocket.maxDatagram)

    /// Binds (or, after a re-exec, takes back) the socket for `home` and
    /// watches it on `watcher`'s queue. Throws with a one-line reason.
    init(
        home: String, watcher: ReadinessSet, lookup: @escaping (Int32) -> String?,
        log: @escaping (String) -> Void, deliver: @escaping (NotifyDelivery) -> Void
    ) throws {
        self.watcher = watcher
        self.lookup = lookup
        self.log = log
        self.deliver = deliver
        let wanted = "ppm-lua-notify-" + ServiceCgroups.hash(home)
        if let kept = Self.inherited(named: wanted) {
            (fd, name) = (kept, wanted)
        } else {
            var bound = try Self.bind(wanted)
            if bound == nil {
                // Another process holds the name: this daemon's services get a name of its own.
                let own = "\(wanted)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                log("the notify socket @\(wanted) is taken by another process; using @\(own)")
                bound = try Self.bind(own)
                guard bound != nil else { throw POSIXFailure("cannot bind the notify socket @\(own): address in use") }
            }
            (fd, name) = bound!
        }
        guard watcher.watch(fd, { [weak self] _ in self?.readAvailable() }) else {
            close(fd)
            throw POSIXFailure("cannot watch the notify socket")
        }
    }

    deinit { stop() }

    /// Stops reading and closes the socket.
    func stop() {
        guard fd >= 0 else { return }
        watcher.forget(fd)
        close(fd)
        fd = -1
    }

    /// Keeps the descriptor open across the exec that follows (`ppm-lua
    /// upgrade`); `false` undoes it after a failed exec. The variable naming
    /// it for the new image, or nil without a socket.
    @discardableResult
    func keepAcrossExec(_ keep: Bool) -> (name: String, value: String)? {
        guard fd >= 0 else { return nil }
        let flags = fcntl(fd, F_GETFD)
        _ = fcntl(fd, F_SETFD, keep ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC)
        return (Self.inheritedVariable, String(fd))
    }

    /// Reads what is waiting, up to `batch` datagrams (epoll reports the rest).
    func readAvailable() {
        for _ in 0..<Self.batch {
            var meta = ppm_notify_meta()
            let n = buffer.withUnsafeMutableBytes { ppm_notify_recv(fd, $0.baseAddress, $0.count, &meta) }
            if n < 0 { return }  // EAGAIN, or an error epoll reports again
            if meta.truncated != 0 {
                oversized += 1
                if oversized == 1 || oversized % 1000 == 0 {
                    log("notify socket: dropped a datagram of \(n) bytes (over \(Self.maxDatagram)); \(oversized) so far")
                }
                continue
            }
            handle(buffer[0..<n], sender: meta.pid)
        }
    }

    private func handle(_ bytes: ArraySlice<UInt8>, sender: Int32) {
        guard sender > 0, let service = lookup(sender) else {
            ignored += 1
            if sender <= 0 {
                if ignored == 1 { log("notify socket: ignored a datagram without the sender's credentials") }
            } else if loggedSenders.count < Self.loggedSendersLimit, loggedSenders.insert(sender).inserted {
                log("notify socket: ignored pid \(sender): it belongs to no service (logged once per pid)")
            }
            return
        }
        var messages = NotifyMessage.parse(bytes)
        messages.removeAll { message in
            guard case .mainPID(let pid) = message, lookup(pid) != service else { return false }
            log("notify socket: '\(service)' sent MAINPID=\(pid), a process outside its group: ignored")
            return true
        }
        if !messages.isEmpty { deliver(NotifyDelivery(service: service, sender: sender, messages: messages)) }
    }

    /// A new socket bound to the abstract `name`, with `SO_PASSCRED`; nil when the name is taken.
    private static func bind(_ name: String) throws -> (Int32, String)? {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw POSIXFailure("cannot make the notify socket: \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<Int32>.size))
        var room: Int32 = 1 << 18  // bursts of pings from many services
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &room, socklen_t(MemoryLayout<Int32>.size))
        let result = UnixAddress.with(abstract: name) { Glibc.bind(fd, $0, $1) } ?? -1
        if result == 0 { return (fd, name) }
        let why = errno
        close(fd)
        if why == EADDRINUSE { return nil }
        throw POSIXFailure("cannot bind the notify socket @\(name): \(String(cString: strerror(why)))")
    }

    /// The socket a previous image of this daemon kept open, if the
    /// variable names a datagram socket bound to `name`.
    private static func inherited(named name: String) -> Int32? {
        guard let text = ImageEnvironment.value(inheritedVariable) else { return nil }
        guard let fd = Int32(text), fd > 2 else { return nil }
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let expected = [0] + Array(name.utf8)
        let actual = withUnsafeBytes(of: &address.sun_path) { Array($0.prefix(max(0, Int(length) - MemoryLayout<sa_family_t>.size))) }
        guard named == 0, address.sun_family == sa_family_t(AF_UNIX), actual == expected else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }
}
