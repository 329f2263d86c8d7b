import Dispatch
import Glibc
import PPMMachine
import PPMProtocol

/// One probe under way: its socket, its helper (its timeout is the
/// prober's `DeadlineTimer`'s), and the
/// completion it must call exactly once. Whatever ends it first (the
/// answer, the timeout, a cancel) closes the rest. Confined to the loop.
final class ProbeRun: @unchecked Sendable {
    private let sockets: ReadinessSet
    private let queue: DispatchQueue
    /// Where answers are read into (shared by the prober's probes).
    let buffer: ReadBuffer
    private var done: ((ProbeResult) -> Void)?
    /// While `Prober.run` starts the probe: a result then waits for a later turn.
    private var starting = true
    /// The completion of a result reached while starting, until its turn comes.
    private var delivery: (() -> Void)?
    /// The connection, while one is open (watched in `sockets`).
    private(set) var fd: Int32 = -1
    /// Its timeout (seconds), and when that is up (monotonic seconds): the
    /// prober's `DeadlineTimer` ends it then.
    var timeout = 0.0
    var deadline = 0.0
    /// Ends what the probe started beyond its socket (a helper process).
    var onEnd: (() -> Void)?
    /// The caller's handle, told when the probe completes. Held until then
    /// (its cancel holds the probe: completing or cancelling ends the cycle).
    var handle: ProbeHandle?

    init(sockets: ReadinessSet, queue: DispatchQueue, buffer: ReadBuffer, done: @escaping (ProbeResult) -> Void) {
        self.sockets = sockets
        self.queue = queue
        self.buffer = buffer
        self.done = done
    }

    /// `Prober.run` returned: a result reached from now on is delivered at once.
    func started() { starting = false }

    /// Whether the probe has completed or was cancelled.
    var isOver: Bool { done == nil }

    /// Completes the probe with `result` (once; later calls do nothing).
    func finish(_ result: ProbeResult) {
        guard let done else { return }
        self.done = nil
        closeAll()
        guard !starting else {
            // Never inside `run`: the caller gets its handle first.
            let handle = self.handle
            self.handle = nil
            delivery = {
                handle?.finished()
                done(result)
            }
            return queue.turnAsync { [self] in
                let deliver = delivery
                delivery = nil
                deliver?()
            }
        }
        handle?.finished()
        handle = nil
        done(result)
    }

    /// Ends the probe without calling its completion.
    func cancel() {
        delivery = nil
        handle = nil
        guard done != nil else { return }
        done = nil
        closeAll()
    }

    private func closeAll() {
        if fd >= 0 {
            sockets.forgetClosing(fd)  // the close takes it out of the epoll set
            close(fd)
            fd = -1
        }
        let end = onEnd
        onEnd = nil
        end?()
    }

    /// Opens a non-blocking TCP connection to `endpoint`; `connected` runs
    /// once it is up (the socket is then `fd`, possibly still watched for
    /// room to write: `watch` replaces that). A failure finishes the probe
    /// with the system's reason.
    ///
    /// `optimistic`: `connected` runs at once even while the handshake is
    /// under way; its first write then fails (the reason of the connection)
    /// or would block (`awaitConnection`).
    func connect(_ endpoint: IPEndpoint, optimistic: Bool = false, _ connected: @escaping () -> Void) {
        fd = socket(endpoint.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return finish(.failed("socket: \(Self.reason(errno))")) }
        let rc = endpoint.withSockaddr { Glibc.connect(fd, $0, $1) }
        if rc == 0 { return connected() }
        guard errno == EINPROGRESS || errno == EINTR else { return finish(.failed("\(endpoint): \(Self.reason(errno))")) }
        if optimistic { return connected() }
        awaitConnection(endpoint, connected)
    }

    /// Runs `connected` once the connection under way is up; its failure
    /// finishes the probe with the system's reason.
    func awaitConnection(_ endpoint: IPEndpoint, _ connected: @escaping () -> Void) {
        let socket = fd
        guard socket >= 0 else { return }
        let settled: (ReadinessSet.Readiness) -> Void = { [weak self] _ in
            guard let self, self.fd == socket else { return }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
            guard error == 0 else { return self.finish(.failed("\(endpoint): \(Self.reason(error))")) }
            connected()
        }
        // On loopback the handshake is over by now: no epoll change, no wake-up.
        if Self.settledNow(socket) { return settled(.writable) }
        // A readiness reported under this number may be a closed socket's (`forgetClosing`): looked at again.
        let watched: (ReadinessSet.Readiness) -> Void = { readiness in if Self.settledNow(socket) { settled(readiness) } }
        if !sockets.watch(socket, for: .writable, watched) { finish(.failed("\(endpoint): cannot watch the socket")) }
    }

    /// Whether the connection under way on `socket` is up or has failed.
    private static func settledNow(_ socket: Int32) -> Bool {
        var now = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
        return poll(&now, 1, 0) == 1
    }

    /// Watches the connection for `interest`, calling `handler` on the loop.
    func watch(for interest: ReadinessSet.Readiness, _ handler: @escaping () -> Void) {
        let socket = fd
        guard socket >= 0 else { return }
        // Held strongly: the set drops the handler when the probe closes its socket.
        if !sockets.watch(socket, for: interest, { [self] _ in if fd == socket { handler() } }) {
            finish(.failed("cannot watch the socket"))
        }
    }

    /// The system's text for an errno ("Connection refused" → "connection refused").
    static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
