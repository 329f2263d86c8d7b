import Foundation
import SystemCalls
import Testing

/// Counts the signals `interruptions` installs (a C function: no captures).
nonisolated(unsafe) private var signalsCaught = 0

/// `syscall { }` and `writeAll`: EINTR retried, other failures with their errno.
@Suite(.serialized) struct SystemCallTests {
    @Test func aFailureCarriesItsErrno() {
        #expect(throws: SystemCallError(code: EBADF)) { try syscall { read(-1, nil, 0) } }
        #expect(SystemCallError(code: ENOSPC).description == String(cString: strerror(ENOSPC)))
    }

    @Test func aReadInterruptedBySignalsGoesOnUntilItsByteArrives() throws {
        // A handler without SA_RESTART: the kernel ends the blocked read with EINTR.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in signalsCaught += 1 }
        action.sa_flags = 0
        var previous = sigaction()
        sigaction(SIGURG, &action, &previous)
        defer { sigaction(SIGURG, &previous, nil) }
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }

        let reader = ReaderThread(fd: fds[0])
        reader.start()
        let deadline = Date().addingTimeInterval(20)
        signalsCaught = 0
        while signalsCaught < 3 && Date() < deadline {
            if let thread = reader.thread { pthread_kill(thread, SIGURG) }
            usleep(10_000)
        }
        #expect(signalsCaught >= 3, "the reader never got the signals")
        #expect(reader.result == nil, "the read ended before its byte came")
        var byte: UInt8 = 42
        #expect(write(fds[1], &byte, 1) == 1)
        #expect(reader.finished.wait(timeout: .now() + 20) == .success)
        #expect(reader.result == .success(1))
    }

    @Test func writeAllWritesEverythingThroughShortWrites() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let readEnd = fds[0]
        let writeEnd = fds[1]
        defer { close(readEnd) }
        let text = String(repeating: "0123456789abcdef", count: 64 * 1024)  // 1 MiB: more than a pipe holds
        let drained = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var received = 0
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while let n = try? syscall({ read(readEnd, &buffer, buffer.count) }), n > 0 { received += n }
            drained.signal()
        }
        try writeAll(writeEnd, text)
        close(writeEnd)
        #expect(drained.wait(timeout: .now() + 20) == .success)
        #expect(received == text.utf8.count)
    }
}

/// A thread blocked in one `syscall { read }` of a byte.
private final class ReaderThread: @unchecked Sendable {
    let fd: Int32
    let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var _thread: pthread_t?
    private var _result: Result<Int, SystemCallError>?

    init(fd: Int32) { self.fd = fd }

    var thread: pthread_t? { lock.withLock { _thread } }
    var result: Result<Int, SystemCallError>? { lock.withLock { _result } }

    func start() {
        Thread.detachNewThread { [self] in
            // Threads made from the test's own (a Dispatch worker) start with signals blocked.
            var urgent = sigset_t()
            sigemptyset(&urgent)
            sigaddset(&urgent, SIGURG)
            pthread_sigmask(SIG_UNBLOCK, &urgent, nil)
            lock.withLock { _thread = pthread_self() }
            var byte: UInt8 = 0
            let outcome = Result { () throws(SystemCallError) in try syscall { read(fd, &byte, 1) } }
            lock.withLock { _result = outcome }
            finished.signal()
        }
    }
}
