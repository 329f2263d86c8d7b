import CSystem
import Glibc
import PPMClient
import PPMProtocol
import Testing

@testable import PPMDaemon

/// `accept` failing with EMFILE on a listening socket with a client waiting:
/// the socket stays readable, so returning at once spun the daemon at 95 %
/// CPU (#23). The acceptor turns the client away with one line through its
/// spare descriptor, or stops watching the socket for a while: a bounded
/// number of accept calls either way.
@Suite struct GuardedAcceptorTests {
    /// A listening unix socket with one client waiting in its backlog.
    final class Rig {
        let listener: Int32
        let client: Int32
        let path = "/tmp/ppm-accept-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        var calls = 0
        var watching: [Bool] = []
        var pauses: [(Double, () -> Void)] = []

        init() {
            let path = path
            let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            _ = UnixAddress.with(path) { bind(listener, $0, $1) }
            listen(listener, 8)
            let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            _ = UnixAddress.with(path) { connect(client, $0, $1) }
            self.listener = listener
            self.client = client
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(listener)
            close(client)
            unlink(path)
        }

        /// An acceptor whose accept fails with EMFILE unless `room(call)` says a slot is free.
        func acceptor(room: @escaping (Int) -> Bool) -> GuardedAcceptor {
            GuardedAcceptor(
                listener: listener,
                watch: { [unowned self] in watching.append($0) },
                after: { [unowned self] seconds, work in pauses.append((seconds, work)) },
                refusal: { "too many open files: try again later" },
                accept: { [unowned self] fd in
                    calls += 1
                    if room(calls) { return ppm_accept(fd) }
                    errno = EMFILE
                    return -1
                })
        }

        /// What the client reads until the server hangs up.
        func received() -> String {
            var bytes = [UInt8](repeating: 0, count: 4096)
            var text = ""
            while true {
                let n = recv(client, &bytes, bytes.count, 0)
                guard n > 0 else { break }
                text += String(decoding: bytes[..<n], as: UTF8.self)
            }
            return text
        }
    }

    @Test func theSpareMakesRoomToTellTheWaitingClientWhy() {
        let rig = Rig()
        // The table is full, except for the slot the spare gives up (every other call).
        let acceptor = rig.acceptor { $0 % 2 == 0 }
        #expect(acceptor.next() == .paused)
        #expect(rig.calls == 4, "accept calls: \(rig.calls)")
        #expect(acceptor.turnedAway == 1)
        let line = rig.received()
        #expect(line.contains("\"ok\":false") && line.contains("too many open files"), "\(line)")
        #expect(rig.watching == [false])
    }

    @Test func withNoRoomAtAllItPausesInsteadOfSpinning() {
        let rig = Rig()
        var full = true
        let acceptor = rig.acceptor { _ in !full }
        #expect(acceptor.next() == .paused)
        #expect(rig.calls == 2)
        #expect(acceptor.turnedAway == 0)
        #expect(rig.watching == [false])
        // The pause ends: the socket is watched again; still full, a longer pause.
        #expect(rig.pauses.map(\.0) == [0.1])
        rig.pauses.removeFirst().1()
        #expect(rig.watching == [false, true])
        #expect(acceptor.next() == .paused)
        #expect(rig.pauses.map(\.0) == [0.2])
        // Descriptors were freed: the waiting client is served.
        rig.pauses.removeFirst().1()
        full = false
        guard case .client(let fd) = acceptor.next() else {
            Issue.record("no client")
            return
        }
        close(fd)
        #expect(acceptor.next() == .none)
        #expect(rig.calls == 6)
    }

    @Test func aStoppedAcceptorDoesNotWatchAgainAfterAPause() {
        let rig = Rig()
        let acceptor = rig.acceptor { _ in false }
        #expect(acceptor.next() == .paused)
        acceptor.stop()
        rig.pauses.removeFirst().1()
        #expect(rig.watching == [false])
    }
}
