import Glibc
import PPMProtocol

/// The writing side of a connection: replies queue in `output` and go out
/// as the socket takes them; work that waits for them, and closing after them.
extension ControlConnection {
    /// Queues one reply line.
    func send(_ line: String) {
        queue.perform { self.sendNow(line.utf8) }
    }

    /// Queues one reply line given as bytes (a large `ls`: no String made of it).
    func send(bytes line: [UInt8]) {
        queue.perform { self.sendNow(line) }
    }

    /// Queues one part of a reply line sent as it is written (`ls`); `last`
    /// ends the line. Lines sent meanwhile from elsewhere follow its end.
    func send(part: [UInt8], last: Bool) {
        queue.perform {
            guard !self.isClosed else { return }
            guard self.output.pendingCount + part.count < Self.maxPending else { return self.close() }
            self.output.appendPart(part, last: last)
            self.afterQueueing()
        }
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

    private func sendNow(_ line: some Collection<UInt8>) {
        guard !isClosed else { return }
        guard output.pendingCount + line.count < Self.maxPending else { return close() }
        output.appendLine(line)
        afterQueueing()
    }

    private func afterQueueing() {
        if output.pendingCount > Self.largeReply && !sendBufferRaised { raiseSendBuffer() }
        flush()
    }

    /// Replies above this size (`ls` at 1000 services is ~700 KB) raise the
    /// socket's send buffer, so they go out in fewer rounds of waiting for room.
    static let largeReply = 128 << 10

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

    /// Writes what the socket takes of `output`; closes on a write error.
    func flush() {
        while !output.isEmpty {
            switch output.withUnsent({ channel.write($0) }) {
            case .bytes(let n): output.consume(n)
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
}
