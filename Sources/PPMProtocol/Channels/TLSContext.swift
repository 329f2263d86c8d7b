import COpenSSL
import PPMRuntime

/// The TLS 1.3 settings a listener's connections (or a client's) share:
/// a pre-shared key (identity `ppm-lua`), or certificates with the CA
/// that signs the peer's.
package final class TLSContext: @unchecked Sendable {
    /// OpenSSL's context.
    package let pointer: OpaquePointer
    /// Whether it is a listener's (else a client's).
    package let isServer: Bool

    /// The PSK identity both ends name.
    package static let identity = PPM_TLS_PSK_IDENTITY

    private init(_ pointer: OpaquePointer, server: Bool) {
        self.pointer = pointer
        isServer = server
    }

    deinit { ppm_tls_context_free(pointer) }

    /// Keyed with `key` (the token's bytes); throws with OpenSSL's reason.
    package static func psk(server: Bool, key: [UInt8]) throws -> TLSContext {
        var error = [CChar](repeating: 0, count: 512)
        let made = key.withUnsafeBufferPointer { ppm_tls_context_psk(server ? 1 : 0, $0.baseAddress, $0.count, &error, error.count) }
        guard let made else { throw POSIXFailure(text(error)) }
        return TLSContext(made, server: server)
    }

    /// With a certificate chain, its key and the CA that signs the peer's
    /// certificate (a listener requires one of every client).
    package static func certificates(server: Bool, cert: String?, key: String?, ca: String) throws -> TLSContext {
        var error = [CChar](repeating: 0, count: 512)
        guard let made = ppm_tls_context_certificates(server ? 1 : 0, cert, key, ca, &error, error.count) else { throw POSIXFailure(text(error)) }
        return TLSContext(made, server: server)
    }

    private static func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
