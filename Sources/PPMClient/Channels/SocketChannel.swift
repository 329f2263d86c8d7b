import Glibc
import SystemCalls

/// Bytes as they are, with `read` and `send`.
package final class SocketChannel: ByteChannel {
    /// The socket (non-blocking).
    package let fd: Int32

    /// Plain bytes over the socket `fd`.
    package init(fd: Int32) { self.fd = fd }

    /// Nothing to set up: done at once.
    package func establish() -> ChannelStep { .bytes(0) }

    /// Reads what the socket holds.
    package func read(into buffer: UnsafeMutableRawBufferPointer) -> ChannelStep {
        do throws(SystemCallError) {
            let n = try syscall { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            return n > 0 ? .bytes(n) : .ended
        } catch {
            return error.code == EAGAIN ? .wouldBlock(wantsWrite: false) : .failed
        }
    }

    /// Writes what the socket takes, without SIGPIPE.
    package func write(_ bytes: UnsafeRawBufferPointer) -> ChannelStep {
        do throws(SystemCallError) {
            // No SIGPIPE when the client is gone: the write fails instead.
            let n = try syscall { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
            return n > 0 ? .bytes(n) : .failed
        } catch {
            return error.code == EAGAIN ? .wouldBlock(wantsWrite: true) : .failed
        }
    }

    /// Nothing is held back: always 0.
    package var buffered: Int { 0 }

    /// Nothing to end before the socket closes.
    package func finish() {}
}
