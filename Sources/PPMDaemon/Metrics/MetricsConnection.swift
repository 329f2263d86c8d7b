import Glibc
import PPMMachine
import SystemCalls

/// One client of the metrics endpoint, on the loop: reads one request head
/// (at most `HTTPRequestHead.maxBytes`), hands it on, writes the response
/// without blocking, then closes gracefully (its side shut, what the client
/// still sends read and dropped until it hangs up, so the response is not
/// lost to a reset). Every stage has a deadline: a client too slow to send
/// its request or to take its response is dropped.
/// `@unchecked Sendable`: confined to the loop (work done elsewhere comes back there).
final class MetricsConnection: @unchecked Sendable {
    let fd: Int32
    private let sockets: ReadinessSet
    private let scheduler: Scheduler
    private let timeout: Double
    private var received: [UInt8] = []
    /// What is left to send: the response's head, then its body (not copied into one).
    private var pending: [[UInt8]] = []
    private var written = 0
    private var stage = Stage.reading
    private var deadline: TimerToken?
    /// Bytes dropped while closing; past `maxDrained` the connection is cut.
    private var drained = 0
    /// Told once, with the request, when its head has arrived.
    var onRequest: ((HTTPRequestHead) -> Void)?
    /// Told once when the connection is closed.
    var onClose: (() -> Void)?
    /// Told once the whole response has gone out (and its buffers are freed).
    var onSent: (() -> Void)?

    private enum Stage { case reading, answering, writing, draining, closed }

    /// What a client may still send after its response before it is cut off.
    static let maxDrained = 4 << 20

    init(fd: Int32, sockets: ReadinessSet, scheduler: Scheduler, timeout: Double) {
        self.fd = fd
        self.sockets = sockets
        self.scheduler = scheduler
        self.timeout = timeout
    }

    /// Whether it was closed (a late response is then dropped).
    var isClosed: Bool { stage == .closed }

    /// Starts reading; the client has `timeout` seconds to send its request.
    func start() {
        guard sockets.watch(fd, for: .readable, { [weak self] ready in self?.ready(ready) }) else { return close() }
        armDeadline()
    }

    /// Sends `response` and closes; the client has `timeout` seconds to take it.
    func respond(_ response: HTTPResponse) {
        guard stage == .reading || stage == .answering else { return }
        stage = .writing
        pending = [response.head, response.body]
        written = 0
        armDeadline()
        flush()
    }

    /// Closes at once (dropping anything unsent).
    func close() {
        guard stage != .closed else { return }
        stage = .closed
        deadline?.cancel()
        sockets.forget(fd)
        Glibc.close(fd)
        onRequest = nil
        onSent = nil
        let told = onClose
        onClose = nil
        told?()
    }

    private func armDeadline() {
        deadline?.cancel()
        deadline = scheduler.schedule(after: timeout) { [weak self] in self?.close() }
    }

    private func ready(_ ready: ReadinessSet.Readiness) {
        switch stage {
        case .reading: read()
        case .answering: if ready.contains(.hungUp) { close() }
        case .writing: flush()
        case .draining: drain()
        case .closed: break
        }
    }

    private func read() {
        let room = HTTPRequestHead.maxBytes + 1 - received.count
        var buffer = [UInt8](repeating: 0, count: max(1, room))
        let n: Int
        switch nonBlocking({ buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }) {
        case .wouldBlock: return
        case .failed: return close()
        case .done(let count): n = count
        }
        guard n > 0 else { return close() }  // gone before its request ended
        received += buffer[..<n]
        switch HTTPRequestHead.parse(received) {
        case .incomplete: return
        case .refused(let status, let message): respond(HTTPResponse(status, message + "\n"))
        case .request(let head):
            stage = .answering
            // Nothing more is read until the response is out; its end or an error still wakes us.
            sockets.setInterest(fd, [])
            onRequest?(head)
        }
    }

    private func flush() {
        while let next = pending.first {
            guard written < next.count else {
                pending.removeFirst()
                written = 0
                continue
            }
            switch nonBlocking({ next.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL)) } }) {
            case .wouldBlock:
                sockets.setInterest(fd, .writable)
                return
            case .failed, .done(0): return close()
            case .done(let n): written += n
            }
        }
        let sent = onSent
        onSent = nil
        sent?()
        // The response is out: our side ends; the client's end (or the deadline) closes.
        shutdown(fd, Int32(SHUT_WR))
        stage = .draining
        sockets.setInterest(fd, .readable)
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n: Int
        switch nonBlocking({ buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }) {
        case .wouldBlock: return
        case .failed: return close()
        case .done(let count): n = count
        }
        drained += n
        if n == 0 || drained > Self.maxDrained { close() }
    }
}
