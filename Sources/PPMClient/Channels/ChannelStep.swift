/// What one step of reading, writing or a handshake on a channel came to.
package enum ChannelStep: Equatable, Sendable {
    /// Bytes read or written.
    case bytes(Int)
    /// Nothing now: try again when the socket is readable (or writable, when `wantsWrite`).
    case wouldBlock(wantsWrite: Bool)
    /// The peer closed its writing side (end of input, or TLS close_notify).
    case ended
    /// The connection failed (a socket error, a TLS protocol error).
    case failed
}
