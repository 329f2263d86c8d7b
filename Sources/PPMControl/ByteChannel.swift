import COpenSSL
import Glibc
import SystemCalls

/// What one step of reading, writing or a handshake on a channel came to.
enum ChannelStep: Equatable {
    /// Bytes read or written.
    case bytes(Int)
    /// Nothing now: try again when the socket is readable (or writable, when `wantsWrite`).
    case wouldBlock(wantsWrite: Bool)
    /// The peer closed its writing side (end of input, or TLS close_notify).
    case ended
    /// The connection failed (a socket error, a TLS protocol error).
    case failed
}

/// How a connection's bytes cross its non-blocking socket: as they are
/// (`SocketChannel`), or through TLS (`TLSChannel`).
protocol ByteChannel: AnyObject {
    /// One step of setting the channel up (the TLS handshake): `.bytes(0)` once it is done.
    func establish() -> ChannelStep
    /// Reads what is available into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> ChannelStep
    /// Writes what the socket takes of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) -> ChannelStep
    /// Bytes already received and decrypted, which the socket no longer signals.
    var buffered: Int { get }
    /// Ends the channel (TLS: close_notify, best effort) before the socket closes.
    func finish()
}

/// Bytes as they are, with `read` and `send`.
final class SocketChannel: ByteChannel {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    func establish() -> ChannelStep { .bytes(0) }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> ChannelStep {
        do throws(SystemCallError) {
            let n = try syscall { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            return n > 0 ? .bytes(n) : .ended
        } catch {
            return error.code == EAGAIN ? .wouldBlock(wantsWrite: false) : .failed
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> ChannelStep {
        do throws(SystemCallError) {
            // No SIGPIPE when the client is gone: the write fails instead.
            let n = try syscall { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
            return n > 0 ? .bytes(n) : .failed
        } catch {
            return error.code == EAGAIN ? .wouldBlock(wantsWrite: true) : .failed
        }
    }

    var buffered: Int { 0 }

    func finish() {}
}

/// TLS 1.3 over a socket (the system's OpenSSL): the listener's end of a
/// connection, or a client's.
final class TLSChannel: ByteChannel {
    private let tls: OpaquePointer
    /// Why the last step failed, as OpenSSL put it.
    private(set) var failure = ""

    /// A channel over `fd` with `context`'s settings; `host` (a client's):
    /// the name the daemon's certificate must carry. Nil when OpenSSL cannot make one.
    init?(_ context: TLSContext, fd: Int32, host: String? = nil) {
        guard let tls = ppm_tls_new(context.pointer, fd, context.isServer ? 1 : 0, host) else { return nil }
        self.tls = tls
    }

    deinit { ppm_tls_free(tls) }

    func establish() -> ChannelStep { step(Int(ppm_tls_handshake(tls))) }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> ChannelStep {
        step(ppm_tls_read(tls, buffer.baseAddress, buffer.count))
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> ChannelStep {
        step(ppm_tls_write(tls, bytes.baseAddress, bytes.count))
    }

    var buffered: Int { Int(ppm_tls_pending(tls)) }

    func finish() { ppm_tls_shutdown(tls) }

    private func step(_ rc: Int) -> ChannelStep {
        switch rc {
        case Int(PPM_TLS_WANT_READ): return .wouldBlock(wantsWrite: false)
        case Int(PPM_TLS_WANT_WRITE): return .wouldBlock(wantsWrite: true)
        case Int(PPM_TLS_CLOSED): return .ended
        case Int(PPM_TLS_FAILED):
            var text = [CChar](repeating: 0, count: 256)
            ppm_tls_last_error(&text, text.count)
            failure = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failed
        default: return .bytes(rc)
        }
    }
}
