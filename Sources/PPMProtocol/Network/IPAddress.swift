import Glibc

/// Numeric IP addresses as bytes (no name lookup).
package enum IPAddress {
    /// 4 bytes for dotted IPv4 text, 16 for IPv6 text; nil otherwise.
    package static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// `127.0.0.1` or `::1`.
    package static func text(_ bytes: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &out, socklen_t(out.count)) } != nil
        return ok ? String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }

    /// Whether `bytes` is a loopback address (127.0.0.0/8 or ::1).
    package static func isLoopback(_ bytes: [UInt8]) -> Bool {
        bytes.count == 4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    /// The network an address's throttling shares: its /24 (IPv4) or /64 (IPv6).
    package static func prefix(of bytes: [UInt8]) -> [UInt8] {
        bytes.count == 4 ? Array(bytes[0..<3]) + [0] : Array(bytes.prefix(8)) + [UInt8](repeating: 0, count: 8)
    }

    /// An IPv4 client seen through an IPv6 socket (`::ffff:10.0.0.1`) as
    /// its 4-byte IPv4 address; any other address unchanged.
    package static func unmapped(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return bytes }
        return Array(bytes[12...])
    }
}
