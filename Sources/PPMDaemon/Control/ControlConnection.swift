import CSystem
import Dispatch
import Glibc
import LuaKit
import PPMCore
import PPMProtocol

/// One client: reads request lines, buffers replies until the socket
/// takes them. Its socket sits in the `ReadinessSet` its server shares
/// among all its connections: watched for input until the input ends, for
/// room to write only while replies wait. Confined to the set's queue;
/// `send`, `closeAfterWrites`, `afterReplies`, `evalFinished` and
/// `addCleanup` may be called from any queue. Bytes cross the socket
/// through its `ByteChannel`: as they are, or through TLS.
final class ControlConnection: @unchecked Sendable {
    private let fd: Int32
    private let channel: ByteChannel
    /// Called once the channel is set up (nil) or could not be (why), by `establish`.
    private var onEstablished: ((String?) -> Void)?
    /// Whether reading is held back (`pauseReading`) until `resumeReading`.
    private var paused = false
    private let queue: any WorkQueue
    private let watchSet: ReadinessSet
    /// Called with each request line while input is read (set by `start`).
    private var onLine: ((String) -> Void)?
    /// Whether input is read: from `start` until it ends (the client
    /// half-closed, or a line ran past `maxLine`).
    private var reading = false
    /// What the socket is watched for now (empty: not in the set).
    private var interest: ReadinessSet.Readiness = []
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var closing = false
    private(set) var isClosed = false
    var onClose: (() -> Void)?
    /// Runs when the client is gone for good (not a half-closed socket).
    var onPeerGone: (() -> Void)?
    /// Runs when the client has closed its writing side only.
    var onEndOfInput: (() -> Void)?
    /// The `eval` chunks sent on this connection that have not finished.
    var evals: [LuaCallID] = []
    /// Extra work to undo at close (a `events -f` observer).
    private var cleanups: [@Sendable () -> Void] = []

    /// Whether the client came over TCP: it sees secrets masked (`SecretEnv`).
    var isRemote = false

    /// Lines longer than this end the connection.
    static let maxLine = 4 << 20
    /// This connection's line limit (a TCP client's is smaller).
    var maxLine = ControlConnection.maxLine

    /// A connection on the accepted socket `fd` (non-blocking), watched in
    /// `watchSet`; `channel`: how bytes cross it (plain by default).
    init(fd: Int32, watchSet: ReadinessSet, channel: ByteChannel? = nil) {
        self.fd = fd
        self.watchSet = watchSet
        self.channel = channel ?? SocketChannel(fd: fd)
        queue = watchSet.queue
    }

    /// Sets the channel up (the TLS handshake) without blocking: `done`
    /// gets nil once it is, or why not (the connection is then closed).
    func establish(_ done: @escaping (String?) -> Void) {
        onEstablished = done
        advanceHandshake()
    }

    private func advanceHandshake() {
        guard let done = onEstablished else { return }
        let step = channel.establish()
        var wanted: ReadinessSet.Readiness = .readable
        switch step {
        case .bytes:
            onEstablished = nil
            if !interest.isEmpty { watchSet.forget(fd) }
            interest = []
            return done(nil)
        case .wouldBlock(let wantsWrite): if wantsWrite { wanted = .writable }
        case .ended, .failed:
            onEstablished = nil
            let why = (channel as? TLSChannel)?.failure ?? ""
            done(why.isEmpty ? "the client closed the connection" : why)
            return close()
        }
        if interest.isEmpty {
            guard watchSet.watch(fd, for: wanted, { [self] _ in advanceHandshake() }) else { return close() }
        } else if wanted != interest {
            guard watchSet.setInterest(fd, wanted) else { return close() }
        }
        interest = wanted
    }

    /// Reads no further requests until `resumeReading` (a client with
    /// enough requests in flight); lines already read wait too.
    func pauseReading() {
        guard reading, !paused else { return }
        paused = true
        updateInterest()
    }

    /// Reads again: first the lines already received, then the socket.
    func resumeReading() {
        guard paused else { return }
        paused = false
        guard reading, !isClosed else { return }
        updateInterest()
        readAvailable()
    }

    /// Starts reading request lines; each non-blank one goes to `onLine`.
    func start(_ onLine: @escaping (String) -> Void) {
        guard !isClosed else { return }
        self.onLine = onLine
        reading = true
        updateInterest()
    }

    /// Watches the socket for what the connection waits for now: input
    /// while reading, room while replies wait; out of the set when neither.
    private func updateInterest() {
        var wanted: ReadinessSet.Readiness = []
        if reading && !paused { wanted.insert(.readable) }
        if !output.isEmpty { wanted.insert(.writable) }
        guard wanted != interest, !isClosed else { return }
        if wanted.isEmpty {
            watchSet.forget(fd)
        } else if interest.isEmpty {
            // The set holds the connection while it is watched (a refused
            // client has no other owner until its error line is written).
            guard watchSet.watch(fd, for: wanted, { [self] in ready($0) }) else { return close() }
        } else {
            guard watchSet.setInterest(fd, wanted) else { return close() }
        }
        interest = wanted
    }

    private func ready(_ readiness: ReadinessSet.Readiness) {
        if readiness.contains(.writable) && !output.isEmpty { flush() }
        if isClosed { return }
        if reading && !paused && readiness.contains(.readable) {
            readAvailable()
        } else if readiness.contains(.hungUp) {
            // Input had ended, and now the peer is gone entirely (or the
            // socket failed): nothing can reach it any more.
            onPeerGone?()
            close()
        }
    }

    /// Hands out the lines received, then reads until the socket (and the
    /// channel's own buffer) has no more, unless reading stops meanwhile.
    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while reading && !isClosed {
            if !handOutLines() || paused { return }
            let step = buffer.withUnsafeMutableBytes { channel.read(into: $0) }
            switch step {
            case .bytes(let n): input += buffer[0..<n]
            case .wouldBlock: return
            case .failed:
                onPeerGone?()
                return close()
            case .ended:
                if peerGone() {
                    onPeerGone?()
                    return close()
                }
                // Half-closed (`echo … | socat`): no more requests, but
                // the replies still go out once the loop has served them.
                _ = handOutLines()
                stopReading()
                onEndOfInput?()
                return
            }
        }
    }

    /// Passes each whole line of `input` to `onLine` while reading goes on;
    /// false when the connection ended (a line over the limit, or closed).
    private func handOutLines() -> Bool {
        while !paused, !isClosed, let newline = input.firstIndex(of: 10) {
            // A whole line read at once is held to the limit too.
            if newline > maxLine {
                refuseLongLine()
                return false
            }
            let line = String(decoding: input[..<newline], as: UTF8.self)
            input.removeSubrange(...newline)
            if !line.allSatisfy(\.isWhitespace) { onLine?(line) }
        }
        if isClosed { return false }
        if input.count > maxLine && input.firstIndex(of: 10) == nil {
            refuseLongLine()
            return false
        }
        return true
    }

    /// Reads no more: the error goes out, then the connection closes.
    private func refuseLongLine() {
        stopReading()
        input = []
        send(ControlReply.error(.null, "request line longer than \(maxLine) bytes"))
        closeAfterWrites()
    }

    private func stopReading() {
        reading = false
        updateInterest()
    }

    /// Whether the other end closed the socket entirely (POLLHUP), rather
    /// than only its writing side (a `socat` that reached the end of its input).
    private func peerGone() -> Bool {
        var p = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&p, 1, 0) >= 0 && p.revents & Int16(POLLHUP) != 0
    }

    /// The `eval` chunk `call` has finished: an interrupt no longer concerns it.
    func evalFinished(_ call: LuaCallID) {
        queue.perform { self.evals.removeAll { $0 == call } }
    }

    /// Queues one reply line.
    func send(_ line: String) {
        queue.perform { self.sendNow(line) }
    }

    /// Runs `body` on the connection's queue once the replies sent so far
    /// have been handed to the socket (a short reply is written at once).
    func afterReplies(_ body: @escaping @Sendable () -> Void) {
        queue.perform { body() }
    }

    /// Runs `cleanup` when the connection closes (at once if it has).
    func addCleanup(_ cleanup: @escaping @Sendable () -> Void) {
        queue.perform {
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
        if output.count > Self.largeReply && !sendBufferRaised { raiseSendBuffer() }
        flush()
    }

    /// Replies above this size (`ls` at 1000 services is ~700 KB) raise the
    /// socket's send buffer, so they go out in fewer rounds of waiting for room.
    static let largeReply = 128 << 10
    private var sendBufferRaised = false

    /// Asks for a 1 MB send buffer (capped at `net.core.wmem_max`, then
    /// doubled by the kernel); memory is charged only for bytes in flight.
    /// Unix sockets only: on TCP a fixed size would turn off the kernel's
    /// own tuning, which goes further.
    private func raiseSendBuffer() {
        sendBufferRaised = true
        var domain: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) == 0, domain == AF_UNIX else { return }
        var size: Int32 = 1 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    private func flush() {
        while !output.isEmpty {
            switch output.withUnsafeBytes({ channel.write($0) }) {
            case .bytes(let n): output.removeFirst(n)
            case .wouldBlock: return finishFlush()
            case .ended, .failed: return close()
            }
        }
        finishFlush()
    }

    private func finishFlush() {
        updateInterest()
        if closing && output.isEmpty { close() }
    }

    /// Closes once the queued replies are written. Safe from any queue.
    func closeAfterWrites() {
        queue.perform { self.closeAfterWritesNow() }
    }

    private func closeAfterWritesNow() {
        closing = true
        if output.isEmpty { close() }
    }

    /// Closes now (on the connection's queue), without waiting for replies.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        reading = false
        // Out of the set before the number can be reused.
        if !interest.isEmpty { watchSet.forget(fd) }
        interest = []
        channel.finish()
        Glibc.close(fd)
        onLine = nil
        input = []
        output = []
        cleanups.forEach { $0() }
        cleanups = []
        onClose?()
        onClose = nil
        onPeerGone = nil
        onEndOfInput = nil
        // Building and sending a reply about many services leaves megabytes
        // free inside malloc's heap, which glibc keeps: give them back.
        ppm_release_free_memory()
    }
}
