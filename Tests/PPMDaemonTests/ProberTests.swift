import Dispatch
import Foundation
import PPMMachine
import PPMProtocol
import TestProcesses
import Testing

@testable import PPMDaemon

/// The tcp and http probe engines against real sockets: a port opened
/// late, Python's http.server, a server that never answers.
@Suite(.serialized) struct ProberTests {
    let queue = DispatchQueue(label: "prober-tests")
    let prober: Prober

    init() {
        prober = Prober(
            queue: queue, sockets: ReadinessSet(queue: queue), clock: DispatchScheduler(queue: queue),
            launch: { _, _, done in
                done(.init(error: "no helpers here"))
                return nil
            }, endHelper: { _ in })
    }

    /// Runs a probe on the queue and waits for its result (nil: none in 20 s).
    private func probe(_ request: ProbeRequest, timeout: Double = 5) -> ProbeResult? {
        let got = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: [ProbeResult] = []
        queue.async {
            prober.run(request, timeout: timeout) {
                result.append($0)
                got.signal()
            }
        }
        guard got.wait(timeout: .now() + 20) == .success else { return nil }
        // Exactly once: nothing more arrives.
        queue.sync {}
        #expect(result.count == 1)
        return result.first
    }

    /// A listening socket on a free loopback port (the OS picks it).
    private func listener(_ family: Int32 = AF_INET) -> (fd: Int32, port: UInt16) {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        let any = IPEndpoint(address: family == AF_INET ? [127, 0, 0, 1] : [UInt8](repeating: 0, count: 15) + [1], port: 0)
        _ = any.withSockaddr { bind(fd, $0, $1) }
        listen(fd, 16)
        return (fd, IPEndpoint.local(of: fd)!.port)
    }

    @Test func tcpConnectsOverIPv4AndIPv6AndReportsRefusal() {
        let (v4, port4) = listener()
        defer { close(v4) }
        #expect(probe(.tcp("127.0.0.1:\(port4)"))?.ok == true)
        #expect(probe(.tcp("localhost:\(port4)"))?.ok == true)
        let (v6, port6) = listener(AF_INET6)
        defer { close(v6) }
        if v6 >= 0 && port6 > 0 { #expect(probe(.tcp("[::1]:\(port6)"))?.ok == true) }
        let (gone, port) = listener()
        close(gone)
        let refused = probe(.tcp("127.0.0.1:\(port)"))
        #expect(refused?.ok == false)
        #expect(refused?.message.contains("refused") == true)
    }

    /// The http probe sends its request without waiting for the handshake:
    /// a refused connection still reads as one, and is never reported
    /// inside `run`.
    @Test func httpReportsARefusedConnectionAsSuch() {
        let (gone, port) = listener()
        close(gone)
        let refused = probe(.http("http://127.0.0.1:\(port)/health", headers: [:]))
        #expect(refused?.ok == false)
        #expect(refused?.message == "127.0.0.1:\(port): connection refused")
    }

    @Test func badAddressesFailWithAReason() {
        #expect(probe(.tcp("db.example:5432"))?.message.contains("name lookup would block") == true)
        #expect(probe(.tcp("127.0.0.1"))?.message.contains("missing :PORT") == true)
        #expect(probe(.tcp("::1:80"))?.message.contains("brackets") == true)
        #expect(probe(.http("https://127.0.0.1/", headers: [:]))?.message.contains("https is not supported") == true)
        #expect(probe(.http("ftp://x/", headers: [:]))?.message.contains("not an http://") == true)
        #expect(probe(.http("http://127.0.0.1:1/", headers: ["X": "a\r\nb"]))?.message.contains("line break") == true)
    }

    @Test func tcpWaitsForAPortOpenedLate() throws {
        let (gone, port) = listener()
        close(gone)
        // Retried as readiness is, until the port opens.
        let opener = DispatchQueue.global()
        nonisolated(unsafe) var late: Int32 = -1
        opener.asyncAfter(deadline: .now() + 0.5) {
            late = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var one: Int32 = 1
            setsockopt(late, SOL_SOCKET, SO_REUSEADDR, &one, 4)
            _ = IPEndpoint(address: [127, 0, 0, 1], port: port).withSockaddr { bind(late, $0, $1) }
            listen(late, 4)
        }
        defer { close(late) }
        var attempts = 0
        var passed = false
        let deadline = Date().addingTimeInterval(20)
        while !passed && Date() < deadline {
            attempts += 1
            passed = probe(.tcp("127.0.0.1:\(port)"), timeout: 1)?.ok == true
            if !passed { usleep(100_000) }
        }
        #expect(passed)
        #expect(attempts > 1)
    }

    @Test func httpAgainstPythonsServer() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prober-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "hello probe\n".write(to: dir.appendingPathComponent("ok.txt"), atomically: true, encoding: .utf8)
        let (gone, port) = listener()
        close(gone)
        let server = TestProcess()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = ["-m", "http.server", "--bind", "127.0.0.1", "--directory", dir.path, String(port)]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            // Ended and reaped by hand: Foundation's waitUntilExit hung here.
            let pid = server.processIdentifier
            kill(pid, SIGKILL)
            var status: Int32 = 0
            let end = Date().addingTimeInterval(10)
            while waitpid(pid, &status, WNOHANG) == 0 && Date() < end { usleep(10_000) }
        }
        var answer: ProbeResult?
        let deadline = Date().addingTimeInterval(20)
        while answer?.ok != true && Date() < deadline {
            answer = probe(.http("http://127.0.0.1:\(port)/ok.txt", headers: ["X-Probe": "1"]))
            if answer?.ok != true { usleep(100_000) }
        }
        #expect(answer?.status == 200)
        #expect(answer?.output == Array("hello probe\n".utf8))
        #expect(answer?.message == "HTTP 200 OK")
        let missing = probe(.http("http://localhost:\(port)/missing", headers: [:]))
        #expect(missing?.ok == false)
        #expect(missing?.status == 404)
    }

    @Test func httpTimesOutAgainstAServerThatNeverAnswers() {
        let (fd, port) = listener()
        defer { close(fd) }
        let answer = probe(.http("http://127.0.0.1:\(port)/", headers: [:]), timeout: 0.5)
        #expect(answer?.ok == false)
        #expect(answer?.message == "timed out after 0.5 s")
    }

    @Test func aCancelledProbeNeverCompletes() {
        let (fd, port) = listener()
        defer { close(fd) }
        nonisolated(unsafe) var calls = 0
        queue.sync {
            let handle = prober.run(.http("http://127.0.0.1:\(port)/", headers: [:]), timeout: 0.2) { _ in calls += 1 }
            handle.cancel()
        }
        let waited = DispatchSemaphore(value: 0)
        queue.asyncAfter(deadline: .now() + 0.5) { waited.signal() }
        waited.wait()
        queue.sync {}
        #expect(calls == 0)
    }
}
