import Glibc
import PPMRuntime
import SystemCalls

/// The TCP listener's shared secret: the TLS 1.3 pre-shared key, and on a
/// plaintext loopback listener (`tls = false`) the key of an HMAC-SHA256
/// challenge-response (the daemon sends a random challenge, the client
/// answers with HMAC-SHA256(secret, challenge) in hex).
package struct RemoteToken: Sendable {
    /// The secret: the file's bytes without trailing whitespace.
    package let key: [UInt8]

    /// Weaker secrets are refused: they could be guessed.
    package static let minimumBits = 128.0
    /// The longest secret (OpenSSL's limit for a pre-shared key).
    package static let maximumLength = 256

    /// The challenge's size in random bytes (sent as hex).
    package static let challengeBytes = 32

    private init(secret: [UInt8]) { key = secret }

    /// The daemon's token: the file must be a regular file that belongs to
    /// the daemon's user, readable by no one else, and hold a long secret.
    package static func forDaemon(at path: String) throws -> RemoteToken {
        do { return try checked(path) } catch { throw POSIXFailure("listen: \(error)") }
    }

    private static func checked(_ path: String) throws -> RemoteToken {
        let (bytes, info) = try read(path)
        guard info.st_uid == geteuid() else {
            throw POSIXFailure("token file \(path) belongs to uid \(info.st_uid), not to the daemon's user (uid \(geteuid()))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw POSIXFailure("token file \(path) is readable by others (mode \(String(mode, radix: 8))): run chmod 600 \(path)")
        }
        let secret = trimmed(bytes)
        let bits = estimatedBits(secret)
        guard bits >= minimumBits else {
            throw POSIXFailure(
                "token file \(path) holds about \(Int(bits)) bits of entropy, fewer than \(Int(minimumBits)): make a random one with openssl rand -hex 32 > \(path)"
            )
        }
        guard secret.count <= maximumLength else {
            throw POSIXFailure(
                "token file \(path) holds \(secret.count) bytes, more than \(maximumLength): make one with openssl rand -hex 32 > \(path)")
        }
        return RemoteToken(secret: secret)
    }

    /// A simple estimate of the secret's entropy: its length times the
    /// Shannon entropy of its characters' frequencies, at most the bits of
    /// the alphabet they come from (hex digits: 4; otherwise digits, lower
    /// and upper case letters and other printable characters, as far as
    /// they occur; any other byte: 8). `aaaa…` is worth nothing however long;
    /// `openssl rand -hex 32` gives about 240 bits.
    package static func estimatedBits(_ secret: [UInt8]) -> Double {
        guard !secret.isEmpty else { return 0 }
        let isHex = secret.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
        var alphabet = 0
        if isHex {
            alphabet = 16
        } else if secret.contains(where: { $0 < 32 || $0 > 126 }) {
            alphabet = 256
        } else {
            let digit = { (b: UInt8) in (48...57).contains(b) }
            let lower = { (b: UInt8) in (97...122).contains(b) }
            let upper = { (b: UInt8) in (65...90).contains(b) }
            if secret.contains(where: digit) { alphabet += 10 }
            if secret.contains(where: lower) { alphabet += 26 }
            if secret.contains(where: upper) { alphabet += 26 }
            if secret.contains(where: { !digit($0) && !lower($0) && !upper($0) }) { alphabet += 33 }
        }
        var counts: [UInt8: Int] = [:]
        for b in secret { counts[b, default: 0] += 1 }
        let n = Double(secret.count)
        let shannon = counts.values.reduce(0.0) { sum, c in sum - Double(c) / n * log2(Double(c) / n) }
        return n * min(shannon, log2(Double(alphabet)))
    }

    /// The client's token: any readable file with a secret in it.
    package static func forClient(at path: String) throws -> RemoteToken {
        let secret = trimmed(try read(path).bytes)
        guard !secret.isEmpty else { throw POSIXFailure("token file \(path) is empty") }
        return RemoteToken(secret: secret)
    }

    /// A fresh challenge: random bytes from the system's generator, as hex.
    package static func challenge() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<challengeBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The answer to a challenge: HMAC-SHA256 of its text, as hex.
    package func answer(_ challenge: String) -> String {
        Self.hex(SHA256.hmac(key: key, message: Array(challenge.utf8)))
    }

    /// Whether `answer` is the right one for `challenge`, compared in
    /// constant time.
    package func accepts(_ answer: String, for challenge: String) -> Bool {
        guard let code = Self.bytes(hex: answer), code.count == SHA256.digestSize else { return false }
        return SHA256.constantTimeEqual(code, SHA256.hmac(key: key, message: Array(challenge.utf8)))
    }

    private static func read(_ path: String) throws -> (bytes: [UInt8], info: stat) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXFailure("token file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw POSIXFailure("token file \(path): \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw POSIXFailure("token file \(path) is not a regular file") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 16 {
            let n: Int
            do throws(SystemCallError) { n = try syscall { Glibc.read(fd, &chunk, chunk.count) } } catch {
                throw POSIXFailure("token file \(path): \(error)")
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return (bytes, info)
    }

    /// Without the trailing newline (and spaces) an editor or echo leaves.
    private static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        var end = bytes.count
        while end > 0, [9, 10, 13, 32].contains(bytes[end - 1]) { end -= 1 }
        return Array(bytes[..<end])
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func bytes(hex text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let high = value(chars[i]), let low = value(chars[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }
}
