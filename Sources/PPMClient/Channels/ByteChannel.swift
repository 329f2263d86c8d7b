/// How a connection's bytes cross its non-blocking socket: as they are
/// (`SocketChannel`), or through TLS (`TLSChannel`).
package protocol ByteChannel: AnyObject {
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
    /// Why the channel failed, as the peer said (a TLS alert), or empty.
    var failure: String { get }
}

extension ByteChannel {
    /// Nothing to say: empty.
    package var failure: String { "" }
}
