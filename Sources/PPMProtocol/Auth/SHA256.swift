import COpenSSL

/// SHA-256 and HMAC-SHA256 from the system's libcrypto (no hand-written
/// primitive): what the plaintext listener's challenge-response needs.
package enum SHA256 {
    /// Bytes in a digest.
    package static let digestSize = 32

    /// The digest of `message`.
    package static func hash(_ message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: digestSize)
        message.withUnsafeBufferPointer { ppm_sha256($0.baseAddress, $0.count, &digest) }
        return digest
    }

    /// HMAC-SHA256 (RFC 2104) of `message` keyed with `key`.
    package static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var code = [UInt8](repeating: 0, count: digestSize)
        _ = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in ppm_hmac_sha256(k.baseAddress, k.count, m.baseAddress, m.count, &code) }
        }
        return code
    }

    /// Whether `a` equals `b`, in time that does not depend on where they differ.
    package static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in ppm_equal_constant_time(x.baseAddress, y.baseAddress, x.count) } }
            != 0
    }
}
