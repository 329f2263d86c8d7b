import CSystem
import Dispatch
import Glibc
import LuaKit
import PPMCore

/// One client: reads request lines, buffers replies until the socket
/// takes them. Confined to the control queue; `send` and `addCleanup` may be
/// called from any queue.
final class ControlConnection: @unchecked Sendable {
    private let fd: Int32
    private let queue: DispatchQueue
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    /// Sources on `fd` not yet cancelled to the end: the descriptor is closed
    /// only after the last one's cancel handler ran (Dispatch may still be
    /// watching it until then, and a reused number would confuse it).
    private var liveSources = 0
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

    /// Lines longer than this end the connection.
    static let maxLine = 4 << 20
    /// This connection's line limit (a TCP client's is smaller).
    var maxLine = ControlConnection.maxLine

    init(fd: Int32, queue: DispatchQueue) {
        self.fd = fd
        self.queue = queue
    }

    func start(_ onLine: @escaping (String) -> Void) {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        watch(source)
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
                if n < 0 || peerGone() {
                    onPeerGone?()
                    close()
                } else {
                    // Half-closed (`echo … | socat`): no more requests, but
                    // the replies still go out once the loop has served them.
                    readSource?.cancel()
                    onEndOfInput?()
                }
                return
            }
            input += buffer[0..<n]
            while let newline = input.firstIndex(of: 10) {
                let line = String(decoding: input[..<newline], as: UTF8.self)
                input.removeSubrange(...newline)
                if !line.allSatisfy(\.isWhitespace) { onLine(line) }
                if isClosed { return }
            }
            if input.count > maxLine {
                // Read no more: the error goes out, then the connection closes.
                readSource?.cancel()
                input = []
                send(ControlReply.error(.null, "request line longer than \(maxLine) bytes"))
                closeAfterWrites()
                return
            }
        }
    }

    /// Whether the other end closed the socket entirely (POLLHUP), rather
    /// than only its writing side (a `socat` that reached the end of its input).
    private func peerGone() -> Bool {
        var p = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&p, 1, 0) >= 0 && p.revents & Int16(POLLHUP) != 0
    }

    /// The `eval` chunk `call` has finished: an interrupt no longer concerns it.
    func evalFinished(_ call: LuaCallID) {
        queue.async { self.evals.removeAll { $0 == call } }
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
        watch(source)
        source.setEventHandler { [weak self] in self?.flush() }
        writeSource = source
        source.resume()
    }

    private func watch(_ source: DispatchSourceProtocol) {
        liveSources += 1
        source.setCancelHandler { [self] in
            liveSources -= 1
            if liveSources == 0 && isClosed { Glibc.close(fd) }
        }
    }

    /// Closes once the queued replies are written. Safe from any queue.
    func closeAfterWrites() {
        queue.async { self.closeAfterWritesNow() }
    }

    private func closeAfterWritesNow() {
        closing = true
        if output.isEmpty { close() }
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        readSource?.cancel()
        writeSource?.cancel()
        readSource = nil
        writeSource = nil
        if liveSources == 0 { Glibc.close(fd) }
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
