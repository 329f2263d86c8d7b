import CSystem
import Dispatch
import Glibc
import LuaKit
import PPMClient
import PPMProtocol
import PPMRuntime

/// The daemon's end of the control socket: a unix stream socket (mode 0600)
/// speaking JSON lines. Only the daemon's uid and root may connect.
///
/// All socket I/O happens on its own `io` thread, made once at start (so
/// that clients are answered under a used-up pids limit, when no thread can
/// be made), and a client is served even while the loop runs Lua: requests
/// go to the loop queue, except `interrupt`, which stops from here the chunks of the connection that
/// asked (and nothing else). A client that goes away stops its chunks too.
/// `@unchecked Sendable`: its state is confined to `io`.
final class ControlServer: @unchecked Sendable {
    /// Serves one request on the loop; `call` names an `eval` chunk so that
    /// only its own connection can interrupt it.
    typealias Handler = @Sendable (ControlRequest, ControlConnection, _ call: LuaCallID?) -> Void

    let path: String
    private let fd: Int32
    private let io = WorkerThread(name: "ppm-lua.control")
    private let loop: DispatchQueue
    private let interrupter: CurrentInterrupter
    private var connections: [ObjectIdentifier: ControlConnection] = [:]
    /// Every client's socket, watched on `io` (no Dispatch source per client).
    private lazy var clientSockets = ReadinessSet(queue: io)

    init(path: String, loop: DispatchQueue, interrupter: CurrentInterrupter, handler: @escaping Handler) throws {
        self.path = path
        self.loop = loop
        self.interrupter = interrupter
        let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard sock >= 0 else { throw POSIXFailure("socket: \(String(cString: strerror(errno)))") }
        unlink(path)
        let old = umask(0o077)
        let bound = UnixAddress.with(path) { bind(sock, $0, $1) }
        umask(old)
        guard let rc = bound else {
            close(sock)
            throw POSIXFailure("socket path too long: \(path)")
        }
        guard rc == 0, chmod(path, 0o600) == 0, listen(sock, 128) == 0 else {
            let message = String(cString: strerror(errno))
            close(sock)
            throw POSIXFailure("\(path): \(message)")
        }
        fd = sock
        self.handler = handler
    }

    private var handler: Handler?

    /// Starts accepting connections.
    func resume() {
        guard let handler else { return }
        io.onReadable(fd) { [weak self] in self?.acceptAll(handler) }
    }

    /// Takes the waiting clients; out of descriptors, it turns them away
    /// with "too many open files" or pauses, and never spins.
    private lazy var acceptor = GuardedAcceptor(
        listener: fd,
        watch: { [weak self] on in if on { self?.resume() } else if let self { io.forgetReadable(fd) } },
        after: { [io] seconds, work in io.perform(after: seconds, work) },
        refusal: { [weak self] in
            "too many open files: the daemon's open-files limit (\(DescriptorGate.openFilesLimit())) is reached "
                + "(\(self?.connections.count ?? 0) clients connected): try again later"
        })

    /// At most this many clients at once (half the open-files limit), so
    /// services keep the descriptors they need to start and log.
    let maxConnections: Int = {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 512 }
        return max(8, Int(min(limit.rlim_cur, 1 << 20)) / 2)
    }()

    private func acceptAll(_ handler: @escaping Handler) {
        while true {
            guard case .client(let client) = acceptor.next() else { return }
            guard connections.count < maxConnections else {
                refuse(client, "too many clients connected (\(connections.count), the most is \(maxConnections)): try again later")
                continue
            }
            let uid = ppm_peer_uid(client)
            let connection = ControlConnection(fd: client, watchSet: clientSockets)
            guard uid == 0 || uid == Int(getuid()) else {
                connection.send(ControlReply.error(.null, "permission denied: uid \(uid) may not control this daemon"))
                connection.closeAfterWrites()
                continue
            }
            let id = ObjectIdentifier(connection)
            connections[id] = connection
            connection.onClose = { [weak self] in self?.connections[id] = nil }
            connection.onPeerGone = { [interrupter] in
                for call in connection.evals { _ = interrupter.interrupt(call) }
            }
            connection.onEndOfInput = { [loop] in
                // The loop serves requests in order: once it reaches this,
                // the replies to the earlier ones have been queued.
                loop.turnAsync { connection.closeAfterWrites() }
            }
            connection.start { [loop, interrupter] line in
                switch ControlRequest.parse(line) {
                case .success(let request) where ControlCommand(named: request.cmd) == .interrupt:
                    let stopped = connection.evals.filter { interrupter.interrupt($0) }
                    connection.send(ControlReply.ok(request.id, .bool(!stopped.isEmpty)))
                case .success(let request) where ControlCommand(named: request.cmd) == .eval:
                    let call = LuaCallID.next()
                    connection.evals.append(call)
                    loop.turnAsync { handler(request, connection, call) }
                case .success(let request): loop.turnAsync { handler(request, connection, nil) }
                case .failure(let f): connection.send(ControlReply.error(.null, f.description))
                }
            }
        }
    }

    /// Answers a client it will not serve with one error line (best effort:
    /// the socket is new, so its buffer has room) and hangs up.
    private func refuse(_ client: Int32, _ message: String) {
        let line = Array((ControlReply.error(.null, message) + "\n").utf8)
        _ = line.withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.close(client)
    }

    /// Stops accepting and removes the socket file, after the replies
    /// already sent are written.
    func shutdown() {
        io.performAndWait { [self] in
            acceptor.stop()
            io.forgetReadable(fd)
            close(fd)
            unlink(path)
            for c in connections.values { c.close() }
        }
    }
}
