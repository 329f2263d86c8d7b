import CSystem
import Dispatch
import Glibc
import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMScript
import SystemCalls

/// The TCP listener (`ppm.settings { listen = ... }`): the control protocol
/// for other hosts over TLS 1.3 (the token as pre-shared key, or client
/// certificates), with per-network command allow lists; on loopback, with
/// `tls = false`, in clear behind an HMAC challenge-response.
///
/// Its sockets live on a thread of their own (made at start: nothing here
/// waits for a new thread under a used-up pids limit), apart from the unix
/// socket's, so a flood of TCP clients never delays a local one; handshakes
/// run there without blocking (non-blocking sockets in one epoll set), its
/// timers run on the loop's `Scheduler` and hop back, and requests go to the
/// loop queue through the same handler. Connections that have not
/// authenticated yet have a pool of their own (`maxClients`, at most
/// `maxPendingPerAddress` per address; when full, the oldest waiting one
/// makes room), so they never take an authenticated client's place among
/// the `maxClients` held. `@unchecked Sendable`: its state is
/// confined to `io`.
final class RemoteListener: @unchecked Sendable {
    /// Why a client was turned away, for the journal (`remote_refused`).
    struct Refusal: Sendable {
        var address: String
        var reason: String
        var cmd: String?
        /// For a summary line: how many refusals it stands for.
        var count: Int?
        /// What went wrong, for the daemon's log (OpenSSL's reason).
        var detail: String?
    }

    /// How connections authenticate.
    enum Security {
        /// TLS 1.3 with the token as pre-shared key, or with certificates.
        case tls(TLSContext, certificates: Bool)
        /// In clear (loopback only), with an HMAC challenge.
        case challenge(RemoteToken)
    }

    let settings: ListenSettings
    let security: Security
    let version: String
    /// Where it listens, e.g. `127.0.0.1:7070` (the port the system chose for port 0).
    let endpoint: IPEndpoint
    let io = WorkerThread(name: "ppm-lua.remote")
    let loop: DispatchQueue
    /// Times the idle timeouts, throttle waits and refusal windows (on the
    /// loop's queue; thread-safe to arm from `io`), and reads the monotonic clock.
    let scheduler: Scheduler
    /// Stops the running `eval` chunks of one connection; whether any was stopped.
    let interrupt: @Sendable (ControlConnection) -> Bool
    let handler: ControlServer.Handler
    private let journal: @Sendable (Refusal) -> Void
    var throttle = FailureThrottle()
    private var refusals = RefusalLog()
    /// Whether a flush of `refusals` is timed (at the end of its window).
    private var refusalFlushArmed = false
    /// Set by `shutdown`: a timed flush then does nothing.
    private var stopped = false
    private let fd: Int32
    private var sessions: [ObjectIdentifier: RemoteSession] = [:]
    /// Sessions not yet authenticated, oldest first.
    private var pending: [ObjectIdentifier] = []
    /// Every client's socket, watched on `io` (no Dispatch source per client).
    private(set) lazy var clientSockets = ReadinessSet(queue: io)

    /// Connections one address may hold before they authenticate.
    static let maxPendingPerAddress = 8
    /// Seconds a connection may take to authenticate (at most the idle timeout).
    static let authTimeout = 10.0

    /// Reads the token (refusing a file others can read or a weak secret)
    /// or the certificates, and binds the address; throws with a message for the user.
    init(
        settings: ListenSettings, version: String, loop: DispatchQueue, scheduler: Scheduler,
        interrupt: @escaping @Sendable (ControlConnection) -> Bool,
        handler: @escaping ControlServer.Handler, refused: @escaping @Sendable (Refusal) -> Void
    ) throws {
        self.settings = settings
        self.version = version
        self.loop = loop
        self.scheduler = scheduler
        self.interrupt = interrupt
        self.handler = handler
        journal = refused
        security = try Self.security(settings)
        let wanted = IPEndpoint(address: settings.address, port: settings.port)
        let sock = socket(wanted.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard sock >= 0 else { throw POSIXFailure("listen \(wanted): socket: \(String(cString: strerror(errno)))") }
        IPEndpoint.setOption(sock, SOL_SOCKET, SO_REUSEADDR, 1)
        guard wanted.withSockaddr({ bind(sock, $0, $1) }) == 0, Glibc.listen(sock, 128) == 0, let bound = IPEndpoint.local(of: sock) else {
            let message = String(cString: strerror(errno))
            close(sock)
            throw POSIXFailure("listen \(wanted): \(message)")
        }
        fd = sock
        endpoint = bound
    }

    private static func security(_ settings: ListenSettings) throws -> Security {
        if let files = settings.certificates {
            do {
                return .tls(try TLSContext.certificates(server: true, cert: files.cert, key: files.key, ca: files.ca), certificates: true)
            } catch { throw POSIXFailure("listen: \(error)") }
        }
        let token = try RemoteToken.forDaemon(at: settings.tokenFile ?? "")
        guard settings.tls else { return .challenge(token) }
        do { return .tls(try TLSContext.psk(server: true, key: token.key), certificates: false) } catch { throw POSIXFailure("listen: \(error)") }
    }

    /// Starts accepting connections.
    func resume() {
        io.onReadable(fd) { [weak self] in self?.acceptAll() }
    }

    /// Runs `body` on `io` after `seconds`, timed by the scheduler (the
    /// loop queue's timers need no thread of libdispatch's making).
    @discardableResult
    func after(_ seconds: Double, _ body: @escaping @Sendable () -> Void) -> TimerToken {
        scheduler.schedule(after: seconds) { [io] in io.perform(body) }
    }

    /// Stops accepting and closes every connection.
    func shutdown() {
        io.performAndWait { [self] in
            acceptor.stop()
            io.forgetReadable(fd)
            close(fd)
            stopped = true
            for s in sessions.values { s.connection.close() }
        }
    }

    /// Now on the monotonic clock, in seconds.
    var now: Double { scheduler.now }

    /// Takes the waiting clients; out of descriptors, it turns them away
    /// (a plaintext client is told "too many open files") or pauses, and never spins.
    private lazy var acceptor = GuardedAcceptor(
        listener: fd,
        // Not after `shutdown`: its descriptor is closed, and its number may be another's.
        watch: { [weak self] on in if let self { if on { if !stopped { resume() } } else { io.forgetReadable(fd) } } },
        after: { [weak self] seconds, work in self?.after(seconds, work) },
        refusal: { [weak self] in
            guard let self, case .challenge = security else { return nil }
            return "too many open files: the daemon's open-files limit (\(DescriptorGate.openFilesLimit())) is reached: try again later"
        })

    private func acceptAll() {
        while true {
            guard case .client(let client) = acceptor.next() else { return }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let known =
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(client, $0, &length) }
                } == 0
            guard known, let peer = IPEndpoint(storage) else {
                close(client)
                continue
            }
            admit(client, address: IPAddress.unmapped(peer.address))
        }
    }

    private func admit(_ fd: Int32, address: [UInt8]) {
        IPEndpoint.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        IPEndpoint.setOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1)
        IPEndpoint.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, 60)
        IPEndpoint.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, 10)
        IPEndpoint.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, 6)
        let channel: ByteChannel
        if case .tls(let context, _) = security {
            guard let tls = TLSChannel(context, fd: fd) else {
                close(fd)
                return
            }
            channel = tls
        } else {
            channel = SocketChannel(fd: fd)
        }
        let connection = ControlConnection(fd: fd, watchSet: clientSockets, channel: channel)
        makeRoom(for: address)
        let session = RemoteSession(connection: connection, address: address, listener: self)
        // A client that goes away stops its own chunks, as on the unix socket.
        connection.onPeerGone = { [interrupt] in _ = interrupt(connection) }
        let id = ObjectIdentifier(session)
        sessions[id] = session
        pending.append(id)
        connection.onClose = { [weak self] in
            self?.sessions[id]?.stop()
            self?.sessions[id] = nil
            self?.pending.removeAll { $0 == id }
        }
        session.start()
    }

    /// Closes the oldest connection still authenticating from `address`
    /// (or from anywhere) when its pool is full.
    private func makeRoom(for address: [UInt8]) {
        let mine = pending.filter { sessions[$0]?.address == address }
        let oldest = mine.count >= Self.maxPendingPerAddress ? mine.first : pending.count >= settings.maxClients ? pending.first : nil
        if let oldest { sessions[oldest]?.connection.close() }
    }

    /// `session` has authenticated: it leaves the pending pool; false when
    /// `maxClients` authenticated connections are held already.
    func authenticated(_ session: RemoteSession) -> Bool {
        let id = ObjectIdentifier(session)
        pending.removeAll { $0 == id }
        return sessions.count - pending.count <= settings.maxClients
    }

    /// Journals a refusal, or counts it when its network has had its share
    /// of the journal in this window (see `RefusalLog`).
    func refused(_ refusal: Refusal) {
        let now = self.now
        if refusals.admit(refusal, now: now) { journal(refusal) }
        guard !refusalFlushArmed, let end = refusals.windowEnd else { return }
        refusalFlushArmed = true
        after(max(0, end - now)) { [weak self] in self?.flushRefusals() }
    }

    private func flushRefusals() {
        refusalFlushArmed = false
        guard !stopped else { return }
        refusals.flush(now: now + 0.001).forEach(journal)
    }
}
