import Dispatch
import Glibc
import Synchronization
import Testing

@testable import PPMDaemon

/// A `ControlConnection` on one end of a socket pair, its `ReadinessSet`,
/// and the client's end, as a test drives them.
private final class Pair: @unchecked Sendable {
    let queue = DispatchQueue(label: "test.connection")
    let set: ReadinessSet
    let connection: ControlConnection
    let client: Int32
    let lines = Mutex<[String]>([])
    let calls = Mutex<[String]>([])

    init(echo: Bool = true) {
        var fds: [Int32] = [-1, -1]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0)
        client = fds[1]
        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) & ~O_NONBLOCK)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        set = ReadinessSet(queue: queue)
        connection = ControlConnection(fd: fds[0], watchSet: set)
        queue.sync { [self] in
            connection.onPeerGone = { [weak self] in self?.calls.withLock { $0.append("peer gone") } }
            connection.onEndOfInput = { [weak self] in self?.calls.withLock { $0.append("end of input") } }
            connection.onClose = { [weak self] in self?.calls.withLock { $0.append("closed") } }
            connection.start { [weak self] line in
                self?.lines.withLock { $0.append(line) }
                if echo { self?.connection.send("got " + line) }
            }
        }
    }

    deinit { Glibc.close(client) }

    /// Closes the client's socket (the number stays taken until deinit).
    func hangUp() {
        let null = open("/dev/null", O_RDONLY)
        dup2(null, client)
        Glibc.close(null)
    }

    func write(_ text: String) {
        _ = text.withCString { Glibc.write(client, $0, strlen($0)) }
    }

    /// Reads until `count` lines came back (or the socket ends or times out).
    func readLines(_ count: Int) -> [String] {
        var bytes: [UInt8] = []
        var newlines = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while newlines < count {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
            newlines += buffer[0..<n].count { $0 == 10 }
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    var isClosed: Bool { queue.sync { connection.isClosed } }
    var watched: Int { queue.sync { set.count } }
}

private func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
    while DispatchTime.now().uptimeNanoseconds < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

@Suite struct ControlConnectionTests {
    @Test func linesComeInAndRepliesGoOut() {
        let pair = Pair()
        pair.write("one\n\n  \ntwo\nthr")
        pair.write("ee\n")
        #expect(pair.readLines(3) == ["got one", "got two", "got three"])
        #expect(pair.lines.withLock { $0 } == ["one", "two", "three"])
        #expect(pair.watched == 1)
    }

    @Test func repliesTheClientDoesNotReadYetWaitAndArriveWhole() {
        let pair = Pair(echo: false)
        // Far more than the socket buffer holds: the rest waits for room.
        let line = String(repeating: "x", count: 100_000)
        for i in 0..<40 { pair.connection.send("\(i) \(line)") }
        let got = pair.readLines(40)
        #expect(got.count == 40)
        #expect(got.enumerated().allSatisfy { $0.element == "\($0.offset) \(line)" })
        // Written out: watched for input only again.
        #expect(eventually { pair.watched == 1 })
    }

    @Test func halfCloseEndsInputButRepliesStillGoOut() {
        let pair = Pair(echo: false)
        pair.write("request\n")
        shutdown(pair.client, Int32(SHUT_WR))
        #expect(eventually { pair.calls.withLock { $0 } == ["end of input"] })
        // Input ended and nothing to write: the socket is out of the set, not spinning.
        #expect(pair.watched == 0)
        #expect(!pair.isClosed)
        pair.connection.send("reply")
        pair.connection.closeAfterWrites()
        #expect(pair.readLines(1) == ["reply"])
        #expect(eventually { pair.isClosed })
        #expect(pair.calls.withLock { $0 } == ["end of input", "closed"])
    }

    @Test func aPeerGoneAfterHalfClosingIsNoticedWhileRepliesWait() {
        let pair = Pair(echo: false)
        shutdown(pair.client, Int32(SHUT_WR))
        #expect(eventually { pair.calls.withLock { $0 } == ["end of input"] })
        // The client stops reading, the replies back up (past the send
        // buffer a large reply raises), then it goes away.
        let line = String(repeating: "y", count: 100_000)
        for _ in 0..<60 { pair.connection.send(line) }
        #expect(eventually { pair.watched == 1 })
        pair.hangUp()
        #expect(eventually { pair.isClosed })
        #expect(pair.watched == 0)
    }

    @Test func aPeerGoneEntirelyIsToldApartFromAHalfClose() {
        let pair = Pair(echo: false)
        pair.write("partial")
        pair.hangUp()
        #expect(eventually { pair.isClosed })
        #expect(pair.calls.withLock { $0 } == ["peer gone", "closed"])
        #expect(pair.watched == 0)
    }

    @Test func aLineOverTheLimitGetsAnErrorAndTheConnectionCloses() {
        let pair = Pair()
        pair.queue.sync { pair.connection.maxLine = 1000 }
        pair.write(String(repeating: "z", count: 5000))
        let reply = pair.readLines(1)
        #expect(reply.count == 1 && reply[0].contains("longer than 1000 bytes"))
        #expect(eventually { pair.isClosed })
        #expect(pair.watched == 0)
        #expect(pair.lines.withLock { $0 }.isEmpty)
    }

    /// The limit holds for a whole line that arrives in one read, too.
    @Test func aWholeLineOverTheLimitInOneReadIsRefused() {
        let pair = Pair()
        pair.queue.sync { pair.connection.maxLine = 1000 }
        pair.write(String(repeating: "z", count: 3000) + "\n")
        let reply = pair.readLines(1)
        #expect(reply.count == 1 && reply[0].contains("longer than 1000 bytes"))
        #expect(eventually { pair.isClosed })
        #expect(pair.lines.withLock { $0 }.isEmpty)
    }

    @Test func cleanupsRunOnceAtCloseAndAtOnceAfterIt() {
        let pair = Pair()
        final class Count: Sendable { let value = Mutex(0) }
        let ran = Count()
        pair.connection.addCleanup { ran.value.withLock { $0 += 1 } }
        pair.queue.sync { pair.connection.close() }
        #expect(ran.value.withLock { $0 } == 1)
        pair.connection.addCleanup { ran.value.withLock { $0 += 10 } }
        #expect(eventually { ran.value.withLock { $0 } == 11 })
        #expect(pair.watched == 0)
    }
}
