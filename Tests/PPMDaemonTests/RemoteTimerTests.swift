import Dispatch
import Foundation
import Glibc
import LuaKit
import PPMClient
import PPMMachine
import PPMMachineTesting
import PPMProtocol
import Synchronization
import Testing

@testable import PPMDaemon
@testable import PPMScript

/// The TCP listener's timers on a clock the test moves: the authentication
/// timeout, the idle timeout, and the throttle's wait after a failure.
@Suite struct RemoteTimerTests {
    /// The manual clock, touched only on the listener's `io` thread.
    final class Clock: @unchecked Sendable {
        let manual = ManualScheduler()
    }

    /// A plaintext loopback listener (challenge-response) on a manual clock.
    final class Fixture {
        let clock = Clock()
        let listener: RemoteListener
        let token: RemoteToken
        let tokenPath: String

        init(idleTimeout: Double) throws {
            tokenPath = NSTemporaryDirectory() + "ppm-token-" + UUID().uuidString.prefix(8)
            try "correct horse battery staple: 4NcVjzOKm0TQ4k2HQhkZ\n".write(toFile: tokenPath, atomically: true, encoding: .utf8)
            chmod(tokenPath, 0o600)
            token = try RemoteToken.forClient(at: tokenPath)
            var table = LuaTable()
            table["address"] = .string("127.0.0.1:0")
            table["tls"] = .boolean(false)
            table["token_file"] = .string(tokenPath)
            table["idle_timeout"] = .number(idleTimeout)
            let settings = try ListenSettings(table, folder: "/")
            listener = try RemoteListener(
                settings: settings, version: "test", loop: DispatchQueue(label: "remote-timer-test"),
                scheduler: clock.manual, interrupt: { _ in false },
                handler: { request, connection, _ in connection.send(ControlReply.ok(request.id, .string("pong"))) },
                refused: { _ in })
            listener.resume()
        }

        deinit {
            listener.shutdown()
            unlink(tokenPath)
        }

        /// Moves the clock on `io` from one due timer to the next, letting
        /// what each hands to `io` run (and arm what it arms) before the next.
        func advance(_ seconds: Double) {
            var left = seconds
            while let step = nextDue(), step <= left + 1e-9 {
                move(step)
                left -= step
            }
            move(max(0, left))
        }

        private func move(_ seconds: Double) {
            listener.io.performAndWait { [clock] in clock.manual.advance(seconds) }
            listener.io.performAndWait {}
        }

        private func nextDue() -> Double? {
            let next = Mutex<Double?>(nil)
            listener.io.performAndWait { [clock] in next.withLock { $0 = clock.manual.pending.first } }
            return next.withLock { $0 }
        }

        /// Waits until `count` timers are pending.
        func waitForTimers(_ count: Int) -> Bool { waitForPending { $0 >= count } }

        /// Waits until the number of pending timers satisfies `wanted`.
        func waitForPending(_ wanted: (Int) -> Bool) -> Bool {
            let deadline = Date.now + 10
            while Date.now < deadline {
                let pending = Mutex(0)
                listener.io.performAndWait { [clock] in pending.withLock { $0 = clock.manual.pending.count } }
                if wanted(pending.withLock({ $0 })) { return true }
                usleep(2_000)
            }
            return false
        }
    }

    /// A raw loopback client: lines in and out.
    final class Client {
        let fd: Int32
        private var buffer: [UInt8] = []

        init(port: UInt16) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var remote = sockaddr_in()
            remote.sin_family = sa_family_t(AF_INET)
            remote.sin_port = port.bigEndian
            inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
            let size = socklen_t(MemoryLayout<sockaddr_in>.size)
            let rc = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
            if rc != 0 { close(fd) }
            try #require(rc == 0)
        }

        deinit { close(fd) }

        func send(_ line: String) {
            _ = Array((line + "\n").utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }

        /// The next line, waiting up to 10 s (nil: none, or the connection closed).
        func readLine() -> String? {
            let deadline = Date.now + 10
            while Date.now < deadline {
                if let newline = buffer.firstIndex(of: 10) {
                    defer { buffer.removeSubrange(...newline) }
                    return String(decoding: buffer[..<newline], as: UTF8.self)
                }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) >= 0 else { return nil }
                guard poller.revents != 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { return nil }
                buffer += chunk[..<n]
            }
            return nil
        }

        /// Whether nothing has arrived (without waiting).
        var nothingYet: Bool {
            var byte: UInt8 = 0
            return buffer.isEmpty && recv(fd, &byte, 1, Int32(MSG_DONTWAIT) | Int32(MSG_PEEK)) < 0 && errno == EAGAIN
        }

        func object(_ line: String?) -> [String: Any]? {
            line.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    @Test func aClientThatNeverAnswersIsClosedAtTheAuthenticationTimeout() throws {
        let f = try Fixture(idleTimeout: 5)
        let client = try Client(port: f.listener.endpoint.port)
        #expect(client.object(client.readLine())?["challenge"] is String)
        #expect(f.waitForTimers(1))
        f.advance(4.9)
        #expect(client.nothingYet)
        f.advance(0.1)
        let closing = client.readLine() ?? ""
        #expect(closing.contains("no authentication within 5.0 s"), "\(closing)")
        #expect(client.readLine() == nil)
    }

    @Test func aClosedConnectionLeavesNoTimerBehind() throws {
        // A timer left to its deadline keeps its memory that long: a burst
        // of short connections grew the daemon by ~1.6 KB each until the
        // idle timeout passed.
        let f = try Fixture(idleTimeout: 300)
        for _ in 0..<5 {
            let client = try Client(port: f.listener.endpoint.port)
            #expect(client.readLine() != nil)  // the challenge: its timer is armed
        }
        #expect(f.waitForPending { $0 == 0 })
    }

    @Test func anAuthenticatedClientIsClosedOnlyAfterIdleTimeoutWithoutARequest() throws {
        let f = try Fixture(idleTimeout: 30)
        let client = try Client(port: f.listener.endpoint.port)
        let challenge = try #require(client.object(client.readLine())?["challenge"] as? String)
        client.send(#"{"id": 1, "cmd": "auth", "args": {"hmac": "\#(f.token.answer(challenge))"}}"#)
        #expect(client.object(client.readLine())?["ok"] as? Bool == true)
        f.advance(20)
        client.send(#"{"id": 2, "cmd": "status"}"#)
        #expect(client.object(client.readLine())?["result"] as? String == "pong")
        f.advance(25)  // t = 45: the timer armed at authentication fired at 30 (10 s of silence only) and was armed again
        client.send(#"{"id": 3, "cmd": "status"}"#)
        #expect(client.object(client.readLine())?["result"] as? String == "pong")
        f.advance(29.9)  // the timer fired at 50 after 5 s of silence: armed again for 25 s, not 15
        #expect(client.nothingYet)
        f.advance(0.1)
        let closing = client.readLine() ?? ""
        #expect(closing.contains("closed after 30.0 s without a request (idle_timeout)"), "\(closing)")
    }

    @Test func aFailedAnswerMakesTheNextAttemptFromThatAddressWait() throws {
        let f = try Fixture(idleTimeout: 60)
        let first = try Client(port: f.listener.endpoint.port)
        #expect(first.readLine() != nil)
        first.send(#"{"id": 1, "cmd": "auth", "args": {"hmac": "00"}}"#)
        #expect((first.readLine() ?? "").contains("authentication failed"))
        let second = try Client(port: f.listener.endpoint.port)
        let challenge = try #require(second.object(second.readLine())?["challenge"] as? String)
        second.send(#"{"id": 1, "cmd": "auth", "args": {"hmac": "\#(f.token.answer(challenge))"}}"#)
        let delay = FailureThrottle().delay(afterFailures: 1)
        #expect(f.waitForTimers(3))  // the two idle timers and the throttle's wait
        f.advance(delay - 0.01)
        #expect(second.nothingYet)
        f.advance(0.01)
        #expect(second.object(second.readLine())?["ok"] as? Bool == true)
    }
}
