/// A network of client addresses in CIDR notation (`10.0.0.0/8`,
/// `2001:db8::/32`; a bare address is that one host), as the TCP
/// listener's allow list names them.
package struct ClientNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network's address: 4 bytes for IPv4, 16 for IPv6, host bits zero.
    package let bytes: [UInt8]
    /// How many leading bits of an address must match.
    package let prefix: Int

    /// Parses `ADDRESS` or `ADDRESS/BITS`; nil when it is neither.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress.bytes(String(parts[0])) else { return nil }
        var prefix = address.count * 8
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                let bits = Int(parts[1]), bits <= prefix
            else { return nil }
            prefix = bits
        }
        self.prefix = prefix
        bytes = address.enumerated().map { i, byte in byte & Self.mask(byte: i, prefix: prefix) }
    }

    /// Whether `address` (4 or 16 bytes) lies in this network; an IPv4
    /// address never matches an IPv6 network and the other way round.
    package func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        for i in 0..<bytes.count where address[i] & Self.mask(byte: i, prefix: prefix) != bytes[i] { return false }
        return true
    }

    /// The canonical text, e.g. `10.0.0.0/8`.
    package var description: String { "\(IPAddress.text(bytes))/\(prefix)" }

    /// The bits of byte `i` that a prefix of `prefix` bits covers.
    private static func mask(byte i: Int, prefix: Int) -> UInt8 {
        let bits = min(8, max(0, prefix - i * 8))
        return bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
    }
}
