import CSystem
import Dispatch
import Glibc
import PPMCore

/// The daemon's end of the control socket: a unix stream socket (mode 0600)
/// speaking JSON lines. Only the daemon's uid and root may connect.
///
/// All socket I/O happens on its own `io` queue, so a client is served even
/// while the loop runs Lua: requests go to the loop queue, except
/// `interrupt`, which stops the running chunk from here.
/// `@unchecked Sendable`: its state is confined to `io`.
final class ControlServer: @unchecked Sendable {
    typealias Handler = @Sendable (ControlRequest, ControlConnection) -> Void

    let path: String
    private let fd: Int32
    private let io = DispatchQueue(label: "ppm-lua.control")
    private let loop: DispatchQueue
    private let interrupt: @Sendable () -> Void
    private let acceptSource: DispatchSourceRead
    private var connections: [ObjectIdentifier: ControlConnection] = [:]

    init(path: String, loop: DispatchQueue, interrupt: @escaping @Sendable () -> Void, handler: @escaping Handler) throws {
        self.path = path
        self.loop = loop
        self.interrupt = interrupt
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

    /// A descriptor held in reserve: when the daemon runs out, it is given
    /// up for a moment to take the waiting client and tell it why it is
    /// refused (else the listening socket stays readable and accept spins).
    private var reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)

    /// At most this many clients at once (half the open-files limit), so
    /// services keep the descriptors they need to start and log.
    let maxConnections: Int = {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 512 }
        return max(8, Int(min(limit.rlim_cur, 1 << 20)) / 2)
    }()

    private func acceptAll(_ handler: @escaping Handler) {
        while true {
            let client = ppm_accept(fd)
            if client < 0 {
                guard errno == EMFILE || errno == ENFILE, reserve >= 0 else { return }
                Glibc.close(reserve)
                let waiting = ppm_accept(fd)
                if waiting >= 0 { refuse(waiting, "the daemon has no file descriptors left (\(connections.count) clients connected): try again later") }
                reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
                if waiting < 0 { return }
                continue
            }
            guard connections.count < maxConnections else {
                refuse(client, "too many clients connected (\(connections.count), the most is \(maxConnections)): try again later")
                continue
            }
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
            connection.start { [loop, interrupt] line in
                switch ControlRequest.parse(line) {
                case .success(let request) where request.cmd == "interrupt":
                    interrupt()
                    connection.send(ControlReply.ok(request.id, .bool(true)))
                case .success(let request): loop.async { handler(request, connection) }
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
        io.sync {
            acceptSource.cancel()
            close(fd)
            unlink(path)
            for c in connections.values { c.close() }
        }
    }
}

/// One client: reads request lines, buffers replies until the socket
/// takes them. Confined to the control queue; `send` and `addCleanup` may be
/// called from any queue.
final class ControlConnection: @unchecked Sendable {
    private let fd: Int32
    private let queue: DispatchQueue
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var closing = false
    private(set) var isClosed = false
    var onClose: (() -> Void)?
    /// Extra work to undo at close (a `events -f` observer).
    private var cleanups: [@Sendable () -> Void] = []

    /// Lines longer than this end the connection.
    static let maxLine = 4 << 20

    init(fd: Int32, queue: DispatchQueue) {
        self.fd = fd
        self.queue = queue
    }

    func start(_ onLine: @escaping (String) -> Void) {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.readAvailable(onLine) }
        readSource = source
        source.resume()
    }

    private func readAvailable(_ onLine: (String) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !isClosed {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { break }
            if n <= 0 {
                close()
                return
            }
            input += buffer[0..<n]
            while let newline = input.firstIndex(of: 10) {
                let line = String(decoding: input[..<newline], as: UTF8.self)
                input.removeSubrange(...newline)
                if !line.allSatisfy(\.isWhitespace) { onLine(line) }
                if isClosed { return }
            }
            if input.count > Self.maxLine {
                // Read no more: the error goes out, then the connection closes.
                readSource?.cancel()
                input = []
                send(ControlReply.error(.null, "request line longer than \(Self.maxLine) bytes"))
                closeAfterWrites()
                return
            }
        }
    }

    /// Queues one reply line.
    func send(_ line: String) {
        queue.async { self.sendNow(line) }
    }

    /// Runs `body` on the connection's queue once the replies sent so far
    /// have been handed to the socket (a short reply is written at once).
    func afterReplies(_ body: @escaping @Sendable () -> Void) {
        queue.async { body() }
    }

    /// Runs `cleanup` when the connection closes (at once if it has).
    func addCleanup(_ cleanup: @escaping @Sendable () -> Void) {
        queue.async {
            if self.isClosed { cleanup() } else { self.cleanups.append(cleanup) }
        }
    }

    /// Replies a client has not read beyond this end the connection (a
    /// follower that stopped reading must not grow the daemon's memory).
    static let maxPending = 16 << 20

    private func sendNow(_ line: String) {
        guard !isClosed else { return }
        guard output.count + line.utf8.count < Self.maxPending else { return close() }
        output += Array(line.utf8)
        output.append(10)
        flush()
    }

    private func flush() {
        while !output.isEmpty {
            let n = output.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN {
                armWriter()
                return
            }
            if n <= 0 {
                close()
                return
            }
            output.removeFirst(n)
        }
        writeSource?.cancel()
        writeSource = nil
        if closing { close() }
    }

    private func armWriter() {
        guard writeSource == nil else { return }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.flush() }
        writeSource = source
        source.resume()
    }

    /// Closes once the replies sent so far are written. Queued behind them:
    /// `send` only queues its line, so closing at once would drop it.
    func closeAfterWrites() {
        queue.async {
            self.closing = true
            if self.output.isEmpty { self.close() }
        }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        readSource?.cancel()
        writeSource?.cancel()
        Glibc.close(fd)
        input = []
        output = []
        cleanups.forEach { $0() }
        cleanups = []
        onClose?()
        // Building and sending a reply about many services leaves megabytes
        // free inside malloc's heap, which glibc keeps: give them back.
        ppm_release_free_memory()
    }
}
