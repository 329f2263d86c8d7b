import CSystem
import Dispatch
import Glibc
import PPMCore
import PPMScript

/// The TCP listener (`ppm.settings { listen = ... }`): the control protocol
/// for other hosts, behind an HMAC challenge-response and per-network
/// command allow lists.
///
/// Its sockets live on a thread of their own (made at start: nothing here
/// waits for a new thread under a used-up pids limit), apart from the unix
/// socket's, so a flood of TCP clients never delays a local one; requests go to the
/// loop queue through the same handler. At most `maxClients` connections
/// are held, at most `maxUnauthenticatedPerAddress` of them from one
/// address before it authenticates. `@unchecked Sendable`: its state is
/// confined to `io`.
final class RemoteListener: @unchecked Sendable {
    /// Why a client was turned away, for the journal (`remote_refused`).
    struct Refusal: Sendable {
        var address: String
        var reason: String
        var cmd: String?
    }

    let settings: ListenSettings
    let token: RemoteToken
    let version: String
    /// Where it listens, e.g. `127.0.0.1:7070` (the port the system chose for port 0).
    let endpoint: IPEndpoint
    let io = WorkerThread(name: "ppm-lua.remote")
    let loop: DispatchQueue
    /// Stops the running `eval` chunks of one connection; whether any was stopped.
    let interrupt: @Sendable (ControlConnection) -> Bool
    let handler: ControlServer.Handler
    let refused: @Sendable (Refusal) -> Void
    var throttle = FailureThrottle()
    private let fd: Int32
    private var sessions: [ObjectIdentifier: RemoteSession] = [:]
    /// Every client's socket, watched on `io` (no Dispatch source per client).
    private lazy var clientSockets = ReadinessSet(queue: io)

    /// Unauthenticated connections one address may hold at once.
    static let maxUnauthenticatedPerAddress = 8
    /// Seconds a connection may take to authenticate (at most the idle timeout).
    static let authTimeout = 10.0

    /// Reads the token (refusing a file others can read) and binds the
    /// address; throws with a message for the user.
    init(settings: ListenSettings, version: String, loop: DispatchQueue, interrupt: @escaping @Sendable (ControlConnection) -> Bool,
         handler: @escaping ControlServer.Handler, refused: @escaping @Sendable (Refusal) -> Void) throws {
        self.settings = settings
        self.version = version
        self.loop = loop
        self.interrupt = interrupt
        self.handler = handler
        self.refused = refused
        token = try RemoteToken.forDaemon(at: settings.tokenFile)
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

    /// Starts accepting connections.
    func resume() {
        io.onReadable(fd) { [weak self] in self?.acceptAll() }
    }

    /// Runs `body` on `io` after `seconds`, timed by the loop's queue (a
    /// Dispatch timer there needs no thread of libdispatch's making).
    func after(_ seconds: Double, _ body: @escaping @Sendable () -> Void) {
        loop.asyncAfter(deadline: .now() + seconds) { [io] in io.perform(body) }
    }

    /// Stops accepting and closes every connection.
    func shutdown() {
        io.performAndWait { [self] in
            io.forgetReadable(fd)
            close(fd)
            for s in sessions.values { s.connection.close() }
        }
    }

    /// Now on the monotonic clock, in seconds.
    static var now: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func acceptAll() {
        while true {
            let client = ppm_accept(fd)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE { pauseAccepting() }
                return
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let known = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(client, $0, &length) }
            } == 0
            guard known, let peer = IPEndpoint(storage) else {
                close(client)
                continue
            }
            admit(client, address: IPAddress.unmapped(peer.address))
        }
    }

    /// Out of file descriptors: accepting again at once would spin.
    private func pauseAccepting() {
        io.forgetReadable(fd)
        after(0.1) { [self] in resume() }
    }

    private func admit(_ fd: Int32, address: [UInt8]) {
        IPEndpoint.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        IPEndpoint.setOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1)
        IPEndpoint.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, 60)
        IPEndpoint.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, 10)
        IPEndpoint.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, 6)
        let connection = ControlConnection(fd: fd, watchSet: clientSockets)
        if sessions.count >= settings.maxClients {
            return turnAway(connection, "too many connections (max_clients \(settings.maxClients)); try again later")
        }
        let waiting = sessions.values.count { !$0.isAuthenticated && $0.address == address }
        if waiting >= Self.maxUnauthenticatedPerAddress {
            return turnAway(connection, "too many connections from \(IPAddress.text(address)) waiting to authenticate")
        }
        let session = RemoteSession(connection: connection, address: address, listener: self)
        // A client that goes away stops its own chunks, as on the unix socket.
        connection.onPeerGone = { [interrupt] in _ = interrupt(connection) }
        let id = ObjectIdentifier(session)
        sessions[id] = session
        connection.onClose = { [weak self] in
            self?.sessions[id]?.stop()
            self?.sessions[id] = nil
        }
        session.start()
    }

    /// Refused before any work: not journaled, or a flood would fill the journal.
    private func turnAway(_ connection: ControlConnection, _ message: String) {
        connection.send(ControlReply.error(.null, message))
        connection.closeAfterWrites()
    }
}
