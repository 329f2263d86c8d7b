import Glibc
import PPMClient
import PPMMachine
import PPMProtocol

/// Sends forwarded lines to journald's native socket, one datagram each,
/// or as RFC 5424 messages to the syslog socket when journald's is absent.
/// Never waits: a datagram the socket does not take now is dropped and counted.
final class JournalSink {
    /// journald's native socket; `PPM_LUA_JOURNAL_SOCKET` overrides it (for tests).
    let journalPath: String
    /// The syslog socket; `PPM_LUA_SYSLOG_SOCKET` overrides it (for tests).
    let syslogPath: String
    private let fd: Int32
    private let host: String
    /// Lines dropped since the daemon started.
    private(set) var dropped = 0
    /// Lines sent since the daemon started.
    private(set) var forwarded = 0

    /// A datagram socket for both paths (from the environment or the defaults).
    init(environment: [String: String]) {
        journalPath = environment["PPM_LUA_JOURNAL_SOCKET"] ?? "/run/systemd/journal/socket"
        syslogPath = environment["PPM_LUA_SYSLOG_SOCKET"] ?? "/dev/log"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var name = [UInt8](repeating: 0, count: 256)
        let found =
            name.withUnsafeMutableBufferPointer { gethostname(UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), 255) }
            == 0
        host = found ? String(decoding: name.prefix { $0 != 0 }, as: UTF8.self) : "-"
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Sends one line of `name` (whose process is `pid`) on `stream`.
    func send(_ name: String, _ stream: OutputKind, _ line: String, time: Double, pid: Int32?) {
        let native = ForwardFormat.journal(ForwardFormat.journalFields(name, stream, line, pid: pid))
        switch datagram(native, to: journalPath) {
        case 0:
            forwarded += 1
        case ENOENT, ECONNREFUSED, ENOTSOCK:
            let message = ForwardFormat.syslog(name, stream, line, time: time, host: host, pid: pid)
            if datagram(message, to: syslogPath) == 0 { forwarded += 1 } else { dropped += 1 }
        default:
            dropped += 1
        }
    }

    /// Sends `bytes` to `path`: 0, or the errno of the failure.
    private func datagram(_ bytes: [UInt8], to path: String) -> Int32 {
        guard fd >= 0 else { return EBADF }
        let result = UnixAddress.with(path) { address, length in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL), address, length) }
        }
        guard let result else { return ENAMETOOLONG }
        return result >= 0 ? 0 : errno
    }
}
