import CSystem
import Dispatch
import Glibc
import LuaKit
import PPMClient
import PPMProtocol
import PPMRuntime

/// One client: reads request lines, buffers replies until the socket
/// takes them. Its socket sits in the `ReadinessSet` its server shares
/// among all its connections: watched for input until the input ends, for
/// room to write only while replies wait. Confined to the set's queue;
/// `send`, `closeAfterWrites`, `afterReplies`, `evalFinished` and
/// `addCleanup` may be called from any queue. Bytes cross the socket
/// through its `ByteChannel`: as they are, or through TLS.
final class ControlConnection: @unchecked Sendable {
    let fd: Int32
    let channel: ByteChannel
    /// Called once the channel is set up (nil) or could not be (why), by `establish`.
    private var onEstablished: ((String?) -> Void)?
    /// Whether reading is held back (`pauseReading`) until `resumeReading`.
    private var paused = false
    let queue: any WorkQueue
    private let watchSet: ReadinessSet
    /// Called with each request line while input is read (set by `start`).
    private var onLine: ((String) -> Void)?
    /// Whether input is read: from `start` until it ends (the client
    /// half-closed, or a line ran past `maxLine`).
    private var reading = false
    /// What the socket is watched for now (empty: not in the set).
    private var interest: ReadinessSet.Readiness = []
    /// Request lines, cut from what the channel reads (at most `maxLine` bytes each).
    private var input = LineFramer(maxLine: ControlConnection.maxLine)
    /// Reply bytes the socket has not taken yet.
    var output = ReplyBuffer()
    /// Set by `closeAfterWrites`: the connection closes once `output` is written.
    var closing = false
    /// Whether the socket's send buffer was raised for a large reply.
    var sendBufferRaised = false
    private(set) var isClosed = false
    var onClose: (() -> Void)?
    /// Runs when the client is gone for good (not a half-closed socket).
    var onPeerGone: (() -> Void)?
    /// Runs when the client has closed its writing side only.
    var onEndOfInput: (() -> Void)?
    /// The `eval` chunks sent on this connection that have not finished.
    var evals: [LuaCallID] = []
    /// Extra work to undo at close (a `events -f` observer).
    var cleanups: [@Sendable () -> Void] = []

    /// Whether the client came over TCP: it sees secrets masked (`SecretEnv`).
    var isRemote = false

    /// Lines longer than this end the connection.
    static let maxLine = 4 << 20
    /// This connection's line limit (a TCP client's is smaller).
    var maxLine: Int {
        get { input.maxLine }
        set { input.maxLine = newValue }
    }

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
    func updateInterest() {
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
            case .bytes(let n): input.append(buffer[0..<n])
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
        while !paused, !isClosed {
            let bytes: [UInt8]
            do throws(LineFramer.LineTooLong) {
                // A whole line read at once is held to the limit too.
                guard let next = try input.nextLine() else { break }
                bytes = next
            } catch {
                refuseLongLine()
                return false
            }
            let line = String(decoding: bytes, as: UTF8.self)
            if !line.allSatisfy(\.isWhitespace) { onLine?(line) }
        }
        return !isClosed
    }

    /// Reads no more: the error goes out, then the connection closes.
    private func refuseLongLine() {
        stopReading()
        input.reset()
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
        input.reset()
        output = ReplyBuffer()
        cleanups.forEach { $0() }
        cleanups = []
        onClose?()
        onClose = nil
        onPeerGone = nil
        onEndOfInput = nil
        // Building and sending a reply about many services leaves megabytes
        // free inside malloc's heap, which glibc keeps: give them back. Only
        // after a large reply: trimming walks the whole heap and gives back
        // pages the next request faults in again (it was a third of the
        // system calls of a daemon answering `status` 50 times a second).
        if sendBufferRaised { ppm_release_free_memory() }
    }
}
