import CSystem
import Dispatch
import Glibc
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMScript

/// The metrics endpoint's HTTP side (SPEC 11): a TCP listener on the
/// daemon's loop, its sockets in an epoll set of its own (`ReadinessSet`),
/// no thread and no Dispatch source per client. GET only, one request per
/// connection, bounded: a request head of at most 8 KiB, at most
/// `maxConnections` clients at once (one more is answered 503 and closed),
/// and `timeout` seconds for a client to send its request and as many to
/// take its response. What each request gets is the daemon's to say (`respond`).
/// `@unchecked Sendable`: confined to the loop.
final class MetricsServer: @unchecked Sendable {
    /// Answers a request; the connection's `respond` may come later (from another turn).
    typealias Responder = (HTTPRequestHead, MetricsConnection) -> Void

    /// Where it listens (the port the system chose for port 0).
    let endpoint: IPEndpoint
    private let fd: Int32
    private let sockets: ReadinessSet
    private let scheduler: Scheduler
    private let respond: Responder
    private var connections: [ObjectIdentifier: MetricsConnection] = [:]
    private var stopped = false
    /// Connections turned away because `maxConnections` were open.
    private(set) var refused = 0
    /// Never spins when the descriptor table is full (a client then is hung up on, without a word).
    private lazy var acceptor = GuardedAcceptor(
        listener: fd,
        watch: { [weak self] on in
            guard let self else { return }
            if on { resume() } else { sockets.forget(fd) }
        },
        after: { [weak self] seconds, work in _ = self?.scheduler.schedule(after: seconds, work) },
        refusal: { nil })

    /// Clients served at once (SPEC 11).
    static let maxConnections = 16
    /// Seconds a client has to send its request, and again to take its response.
    static let timeout = 5.0

    /// Binds the address; throws with a message for the user.
    init(settings: MetricsSettings, queue: DispatchQueue, scheduler: Scheduler, respond: @escaping Responder) throws {
        let wanted = IPEndpoint(address: settings.address, port: settings.port)
        let sock = socket(wanted.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard sock >= 0 else { throw POSIXFailure("metrics \(wanted): socket: \(String(cString: strerror(errno)))") }
        IPEndpoint.setOption(sock, SOL_SOCKET, SO_REUSEADDR, 1)
        guard wanted.withSockaddr({ bind(sock, $0, $1) }) == 0, listen(sock, 64) == 0, let bound = IPEndpoint.local(of: sock) else {
            let message = String(cString: strerror(errno))
            close(sock)
            throw POSIXFailure("metrics \(wanted): \(message)")
        }
        fd = sock
        endpoint = bound
        sockets = ReadinessSet(queue: queue)
        self.scheduler = scheduler
        self.respond = respond
    }

    /// Starts accepting connections.
    func resume() {
        guard !stopped else { return }
        sockets.watch(fd) { [weak self] _ in self?.acceptAll() }
    }

    /// Stops accepting and closes every connection.
    func shutdown() {
        guard !stopped else { return }
        stopped = true
        acceptor.stop()
        sockets.forget(fd)
        close(fd)
        for connection in connections.values { connection.close() }
    }

    /// The clients connected now.
    var connectionCount: Int { connections.count }

    private func acceptAll() {
        while case .client(let client) = acceptor.next() {
            guard connections.count < Self.maxConnections else {
                refused += 1
                refuse(client)
                continue
            }
            IPEndpoint.setOption(client, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let connection = MetricsConnection(fd: client, sockets: sockets, scheduler: scheduler, timeout: Self.timeout)
            let id = ObjectIdentifier(connection)
            connections[id] = connection
            connection.onClose = { [weak self] in self?.connections[id] = nil }
            connection.onRequest = { [weak self, weak connection] head in
                guard let self, let connection else { return }
                self.respond(head, connection)
            }
            connection.start()
        }
    }

    /// Answers a client past the limit with 503 (best effort: its socket is
    /// new, so the buffer has room) and hangs up.
    private func refuse(_ client: Int32) {
        let response = HTTPResponse(503, "too many connections (the most is \(Self.maxConnections)): try again later\n").bytes
        _ = response.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(client)
    }
}
