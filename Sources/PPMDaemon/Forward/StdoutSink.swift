import Glibc

/// The daemon's stdout as forwarding writes it: never blocking the loop.
/// A pipe or terminal is reopened through /proc/self/fd/1 with O_NONBLOCK
/// (a description of its own: the shell's or the container runtime's copy
/// stays blocking); a socket is written with MSG_DONTWAIT; a file is
/// written as is. Lines that cannot go out now wait in a bounded queue;
/// when that is full, a line is dropped (and counted) whole.
final class StdoutSink {
    /// Bytes waiting at most (256 KiB); a line that does not fit is dropped.
    static let queueLimit = 256 * 1024
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let isSocket: Bool
    private var queue: [UInt8] = []
    /// Where the unsent bytes of `queue` begin.
    private var sent = 0
    /// Lines dropped since the daemon started.
    private(set) var dropped = 0
    /// Lines queued (written or waiting) since the daemon started.
    private(set) var forwarded = 0

    /// Writes to `target` (1: the daemon's stdout).
    init(target: Int32 = 1) {
        var info = stat()
        let kind = fstat(target, &info) == 0 ? info.st_mode & S_IFMT : 0
        isSocket = kind == S_IFSOCK
        if kind == S_IFIFO || kind == S_IFCHR {
            let own = open("/proc/self/fd/\(target)", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
            fd = own >= 0 ? own : target
            ownsDescriptor = own >= 0
        } else {
            fd = target
            ownsDescriptor = false
        }
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// Whether bytes wait for the descriptor to take them.
    var pending: Bool { sent < queue.count }

    /// Queues one line (dropped and counted when the queue is full); writes
    /// once 64 KiB wait, else on the next `flush` (one write for a burst of lines).
    func write(_ line: [UInt8]) {
        if queue.count - sent + line.count > Self.queueLimit {
            flush()
            if queue.count - sent + line.count > Self.queueLimit {
                dropped += 1
                return
            }
        }
        forwarded += 1
        queue.append(contentsOf: line)
        if queue.count - sent >= 64 * 1024 { flush() }
    }

    /// Writes what the descriptor takes now, without waiting.
    func flush() {
        while sent < queue.count {
            let n = queue[sent...].withUnsafeBytes { bytes in
                isSocket
                    ? send(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) : Glibc.write(fd, bytes.baseAddress, bytes.count)
            }
            if n > 0 {
                sent += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK {
                // Nobody reads any more (EPIPE, closed): what waits is dropped, as a stuck stdout's would be.
                dropped += queue[sent...].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                sent = queue.count
            }
            break
        }
        if sent == queue.count {
            queue.removeAll(keepingCapacity: queue.capacity <= 64 * 1024)
            sent = 0
        } else if sent > 64 * 1024 {
            queue.removeFirst(sent)
            sent = 0
        }
    }
}
