import Glibc
import PPMMachine
import Synchronization

/// What `top`'s background readers hand to its screen loop: messages in a
/// locked list, and a byte in a pipe the loop polls, so one `poll` waits
/// for keys, signals and the daemon alike.
final class TopMailbox: Sendable {
    /// One thing that happened off the screen loop.
    enum Item: Sendable {
        /// A message of the `watch` subscription.
        case watch(JSONValue)
        /// The subscription ended (the daemon hung up and did not come back).
        case watchEnded(String)
        /// A line for the pane of generation `pane`.
        case paneLine(pane: Int, String)
        /// An action's outcome, for the footer.
        case message(String)
    }

    private let items = Mutex<[Item]>([])
    /// The end the loop polls.
    let readEnd: Int32
    private let writeEnd: Int32

    init() {
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        for fd in fds {
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Hands `item` to the loop (from any thread).
    func post(_ item: Item) {
        items.withLock { $0.append(item) }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// What was posted since the last call.
    func take() -> [Item] {
        var drain = [UInt8](repeating: 0, count: 256)
        while read(readEnd, &drain, drain.count) > 0 {}
        return items.withLock { items in
            defer { items = [] }
            return items
        }
    }
}
