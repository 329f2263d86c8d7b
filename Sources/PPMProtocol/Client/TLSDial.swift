import Glibc
import PPMCore
import SystemCalls

/// The client's TLS handshake over a freshly connected TCP socket, bounded
/// by `ControlEndpoint.connectTimeout`; it tells a plaintext listener
/// (whose hello line comes first) from a TLS one.
enum TLSDial {
    /// How the handshake ended.
    enum Outcome {
        case established(TLSChannel)
        /// The listener speaks in clear: its first byte was `{`.
        case plaintext
        case failed(String)
    }

    /// Runs the handshake on `fd` (left non-blocking when it succeeds).
    static func handshake(_ fd: Int32, _ context: TLSContext, host: String) -> Outcome {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        guard let channel = TLSChannel(context, fd: fd, host: host) else { return .failed("cannot set up TLS for \(host)") }
        let deadline = SystemClock.monotonic() + Double(ControlEndpoint.connectTimeout)
        while true {
            switch channel.establish() {
            case .bytes: return .established(channel)
            case .ended: return .failed("the daemon closed the connection")
            case .failed:
                // A plaintext listener's hello read as a TLS record (`{"` is no record header).
                if channel.failure.hasSuffix("wrong version number") { return .plaintext }
                return .failed(channel.failure.isEmpty ? "the daemon closed the connection" : channel.failure)
            case .wouldBlock(let wantsWrite):
                var pending = pollfd(fd: fd, events: Int16(wantsWrite ? POLLOUT : POLLIN), revents: 0)
                let left = deadline - SystemClock.monotonic()
                guard left > 0 else { return .failed("no answer within \(ControlEndpoint.connectTimeout) s") }
                let n = (try? syscall { poll(&pending, 1, Int32(left * 1000) + 1) }) ?? -1
                guard n > 0 else { return .failed("no answer within \(ControlEndpoint.connectTimeout) s") }
                if !wantsWrite && firstByte(fd) == UInt8(ascii: "{") { return .plaintext }
            }
        }
    }

    /// The next byte waiting on the socket, left there.
    private static func firstByte(_ fd: Int32) -> UInt8? {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) == 1 ? byte : nil
    }
}
