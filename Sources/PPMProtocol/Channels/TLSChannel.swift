import COpenSSL
package import PPMClient

/// TLS 1.3 over a socket (the system's OpenSSL): the listener's end of a
/// connection, or a client's.
package final class TLSChannel: ByteChannel {
    private let tls: OpaquePointer
    /// Why the last step failed, as OpenSSL put it.
    package private(set) var failure = ""

    /// A channel over `fd` with `context`'s settings; `host` (a client's):
    /// the name the daemon's certificate must carry. Nil when OpenSSL cannot make one.
    package init?(_ context: TLSContext, fd: Int32, host: String? = nil) {
        guard let tls = ppm_tls_new(context.pointer, fd, context.isServer ? 1 : 0, host) else { return nil }
        self.tls = tls
    }

    deinit { ppm_tls_free(tls) }

    /// One step of the handshake.
    package func establish() -> ChannelStep { step(Int(ppm_tls_handshake(tls))) }

    /// Reads and decrypts what has arrived.
    package func read(into buffer: UnsafeMutableRawBufferPointer) -> ChannelStep {
        step(ppm_tls_read(tls, buffer.baseAddress, buffer.count))
    }

    /// Encrypts and writes what the socket takes.
    package func write(_ bytes: UnsafeRawBufferPointer) -> ChannelStep {
        step(ppm_tls_write(tls, bytes.baseAddress, bytes.count))
    }

    /// Decrypted bytes waiting to be read.
    package var buffered: Int { Int(ppm_tls_pending(tls)) }

    /// Sends close_notify (best effort).
    package func finish() { ppm_tls_shutdown(tls) }

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
