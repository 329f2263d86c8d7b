import CSystem
import Dispatch
import Glibc
import LuaKit
import PPMCore

/// The daemon's end of the control socket: a unix stream socket (mode 0600)
/// speaking JSON lines. Only the daemon's uid and root may connect.
///
/// All socket I/O happens on its own `io` queue, so a client is served even
/// while the loop runs Lua: requests go to the loop queue, except
/// `interrupt`, which stops from here the chunks of the connection that
/// asked (and nothing else). A client that goes away stops its chunks too.
/// `@unchecked Sendable`: its state is confined to `io`.
final class ControlServer: @unchecked Sendable {
    /// Serves one request on the loop; `call` names an `eval` chunk so that
    /// only its own connection can interrupt it.
    typealias Handler = @Sendable (ControlRequest, ControlConnection, _ call: LuaCallID?) -> Void

    let path: String
    private let fd: Int32
    private let io = DispatchQueue(label: "ppm-lua.control")
    private let loop: DispatchQueue
    private let interrupter: CurrentInterrupter
    private let acceptSource: DispatchSourceRead
    private var connections: [ObjectIdentifier: ControlConnection] = [:]

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
        acceptSource = DispatchSource.makeReadSource(fileDescriptor: sock, queue: io)
        self.handler = handler
    }

    private var handler: Handler?

    /// Starts accepting connections.
    func resume() {
        guard let handler else { return }
        acceptSource.setEventHandler { [weak self] in self?.acceptAll(handler) }
        acceptSource.resume()
    }

    private func acceptAll(_ handler: @escaping Handler) {
        while true {
            let client = ppm_accept(fd)
            if client < 0 { return }
            let uid = ppm_peer_uid(client)
            let connection = ControlConnection(fd: client, queue: io)
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
                loop.async { connection.closeAfterWrites() }
            }
            connection.start { [loop, interrupter] line in
                switch ControlRequest.parse(line) {
                case .success(let request) where request.cmd == "interrupt":
                    let stopped = connection.evals.filter { interrupter.interrupt($0) }
                    connection.send(ControlReply.ok(request.id, .bool(!stopped.isEmpty)))
                case .success(let request) where request.cmd == "eval":
                    let call = LuaCallID.next()
                    connection.evals.append(call)
                    loop.async { handler(request, connection, call) }
                case .success(let request): loop.async { handler(request, connection, nil) }
                case .failure(let f): connection.send(ControlReply.error(.null, f.description))
                }
            }
        }
    }

    /// Stops accepting and removes the socket file, after the replies
    /// already sent are written.
    func shutdown() {
        io.sync {
            acceptSource.cancel()
            close(fd)
            unlink(path)
            for c in connections.values { c.close() }
        }
    }
}

/// A unix socket address for a path.
enum UnixAddress {
    /// Calls `body` with the address and its length; nil if the path is too long.
    static func with<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
