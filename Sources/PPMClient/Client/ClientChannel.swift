import Glibc
import Synchronization
import SystemCalls

/// The CLI's end of a connection, blocking: plain bytes over a unix or TCP
/// socket, or TLS over a non-blocking one waited on with `poll`. Safe to
/// use from two threads at once (the REPL's Ctrl-C writes `interrupt`
/// while the main thread waits for a reply): TLS calls hold a lock, which
/// is never held while waiting.
package final class ClientChannel: Sendable {
    /// The connected socket.
    package let fd: Int32
    /// The TLS connection, used only under `lock`.
    nonisolated(unsafe) private let tls: (any ByteChannel)?
    private let lock = Mutex(())

    /// Plain bytes over the blocking socket `fd`.
    package init(plain fd: Int32) {
        self.fd = fd
        tls = nil
    }

    /// TLS over `fd`, whose handshake is done (the socket stays non-blocking):
    /// `channel` is PPMProtocol's `TLSChannel` (this module links no OpenSSL).
    package init(tls channel: any ByteChannel, fd: Int32) {
        self.fd = fd
        tls = channel
        // OpenSSL writes with write(2): a daemon that hung up must not kill the client.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit {
        tls?.finish()
        Glibc.close(fd)
    }

    /// Sends TLS close_notify (in TLS) and shuts the socket's writing side:
    /// no more requests, replies still come.
    func closeWriting() {
        if let tls { lock.withLock { _ in tls.finish() } }
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Shuts both sides of the socket from any thread: a read blocked on it
    /// returns, as if the daemon had hung up (the descriptor stays open).
    func hangUp() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Writes all of `bytes`; false when the daemon has hung up.
    func send(_ bytes: [UInt8]) -> Bool {
        var at = 0
        while at < bytes.count {
            let step: ChannelStep
            if let tls {
                step = lock.withLock { _ in bytes[at...].withUnsafeBytes { tls.write($0) } }
            } else {
                let n = (try? syscall { bytes[at...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }) ?? -1
                step = n > 0 ? .bytes(n) : .failed
            }
            switch step {
            case .bytes(let n): at += n
            case .wouldBlock(let wantsWrite): _ = wait(writable: wantsWrite, timeout: nil)
            case .ended, .failed: return false
            }
        }
        return true
    }

    /// Why TLS ended, when the daemon ended it with an alert (a client
    /// certificate it does not accept: TLS 1.3 says so after the handshake).
    var tlsFailure: String? {
        guard let tls else { return nil }
        let failure = lock.withLock { _ in tls.failure }
        return failure.isEmpty ? nil : failure
    }

    /// Reads what is available into `buffer`, waiting for it; 0 when the
    /// daemon closed the connection, nil when `timeout` seconds passed first.
    func read(into buffer: inout [UInt8], timeout: Double?) -> Int? {
        buffer.withUnsafeMutableBytes { read(into: $0, timeout: timeout) }
    }

    /// `read(into:timeout:)` into memory the caller holds (a reply streamed
    /// through one buffer).
    func read(into buffer: UnsafeMutableRawBufferPointer, timeout: Double?) -> Int? {
        let deadline = timeout.map { SystemClock.monotonic() + $0 }
        while true {
            // A partial TLS record waits again, for what is left of `timeout`.
            if let deadline, !readable(timeout: max(0, deadline - SystemClock.monotonic())) { return nil }
            let step: ChannelStep
            if let tls {
                step = lock.withLock { _ in tls.read(into: buffer) }
            } else {
                let n = (try? syscall { Glibc.read(fd, buffer.baseAddress, buffer.count) }) ?? -1
                step = n > 0 ? .bytes(n) : n == 0 ? .ended : .failed
            }
            switch step {
            case .bytes(let n): return n
            case .wouldBlock(let wantsWrite): if timeout == nil { _ = wait(writable: wantsWrite, timeout: nil) }
            case .ended, .failed: return 0
            }
        }
    }

    /// Whether input (or decrypted bytes already held) is there within `timeout` seconds.
    private func readable(timeout: Double) -> Bool {
        if let tls, lock.withLock({ _ in tls.buffered }) > 0 { return true }
        return wait(writable: false, timeout: timeout)
    }

    /// Waits until the socket is readable (or writable); false on timeout.
    private func wait(writable: Bool, timeout: Double?) -> Bool {
        var pending = pollfd(fd: fd, events: Int16(writable ? POLLOUT : POLLIN), revents: 0)
        let milliseconds = timeout.map { Int32(min(Double(Int32.max), max(0, $0 * 1000).rounded(.up))) } ?? -1
        return ((try? syscall { poll(&pending, 1, milliseconds) }) ?? -1) > 0
    }
}
