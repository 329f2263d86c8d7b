import Foundation
import Testing

/// Connection churn (issue #12): clients of the unix socket and of the TCP
/// listener connect, send a request and half-close, vanish before or while
/// their reply is written, follow events and vanish mid-stream, while
/// `events -f` and `logs -f` followers are killed and a service restarts
/// all the time. Per-connection Dispatch sources made and cancelled at this
/// rate are what crashed the daemon in libdispatch (as helper pipes did).
/// CI runs it for 8 s; `PPM_CHURN_SECONDS=60 swift test --filter ConnectionChurn`
/// (scripts/repro/connection-churn.sh) runs longer and repeatedly.
@Suite struct ConnectionChurnTests {
    @Test func theDaemonSurvivesConnectionChurn() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["PPM_CHURN_SECONDS"] ?? "") ?? 8
        let box = try Sandbox()
        try "churn-secret-0123456789abcdef-ghijklmnopqrstuvwxyz\n".write(toFile: box.dir + "/token", atomically: true, encoding: .utf8)
        chmod(box.dir + "/token", 0o600)
        try box.write(
            """
            ppm.settings { backoff = { interval = 0.01, max = 0.05 },
                           listen = { address = "127.0.0.1:0", token_file = "token", max_clients = 64 } }
            ppm.service { name = "flap", cmd = { "/bin/sh", "-c", "echo up; sleep 0.05; exit 1" }, restart = "always" }
            ppm.service { name = "steady", cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        let daemon = try #require(box.daemonProcess)
        let status = box.run("status", "--json")
        let listening = try #require((replyObject(status.stdout)?["listen"] as? String)?.split(separator: ":").last)
        let port = try #require(Int(listening))
        let socket = box.dir + "/home/ppm.sock"
        let token = box.dir + "/token"
        #expect(eventually { box.state("steady") == "running" })
        let steady = box.pid("steady")
        let baseline = openFiles(daemon.processIdentifier)

        let deadline = Date().addingTimeInterval(seconds)
        let counts = Counts()
        let group = DispatchGroup()
        nonisolated(unsafe) let client = box
        for index in 0..<3 {
            worker(group) {
                while Date() < deadline && daemon.isRunning {
                    unixClient(socket, kind: Int.random(in: 0..<7))
                    counts.add("unix \(index)")
                }
            }
        }
        worker(group) {
            while Date() < deadline && daemon.isRunning {
                tcpClient(port: port, token: token, kind: Int.random(in: 0..<4))
                counts.add("tcp")
            }
        }
        worker(group) {
            // Followers as processes, killed mid-stream.
            while Date() < deadline && daemon.isRunning {
                let args = Bool.random() ? ["events", "-f"] : ["logs", "-f", "flap"]
                guard let p = try? client.launch(args, stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice) else { continue }
                usleep(UInt32.random(in: 20_000...200_000))
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                counts.add("followers killed")
            }
        }
        worker(group) {
            while Date() < deadline && daemon.isRunning {
                _ = client.run(["restart", "flap"], deadline: 10)
                counts.add("restarts asked")
            }
        }
        group.wait()
        print("connection churn, \(Int(seconds)) s: \(counts.summary)")
        let died = !daemon.isRunning
        #expect(!died, "the daemon died (status \(died ? daemon.terminationStatus : 0)): \(tail(box.daemonLog))")
        guard !died else { return }
        #expect(box.run(["status"], deadline: 10)?.status == 0)
        #expect(box.pid("steady") == steady)
        // Every connection is closed again: no descriptor left behind.
        #expect(
            eventually(10) { openFiles(daemon.processIdentifier) <= baseline + 2 },
            "\(openFiles(daemon.processIdentifier)) descriptors open, \(baseline) before the churn: \(fileKinds(daemon.processIdentifier))")
        #expect(box.run(["quit"], deadline: 30)?.status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }
}

/// One unix-socket client doing one of seven things, then gone.
private func unixClient(_ path: String, kind: Int) {
    guard let c = RawSocket(path: path) else { return }
    switch kind {
    case 0:  // a request, half-close, read the reply (`echo … | socat`)
        c.send(#"{"id":1,"cmd":"status"}"# + "\n")
        shutdown(c.fd, Int32(SHUT_WR))
        _ = c.readLine(5)
    case 1:  // a request, gone before the reply
        c.send(#"{"id":1,"cmd":"ls"}"# + "\n")
    case 2:  // follows events, reads a little, gone mid-stream
        c.send(#"{"id":1,"cmd":"events","args":{"follow":true,"n":50}}"# + "\n")
        _ = c.readSome(timeout: Double.random(in: 0.01...0.1))
    case 3:  // a chunk that runs a while, gone while it runs
        c.send(#"{"id":1,"cmd":"eval","args":{"code":"local t = os.clock() while os.clock() - t < 0.02 do end return 1"}}"# + "\n")
        usleep(5_000)
    case 4:  // half a line, gone
        c.send(#"{"id":1,"cmd":"sta"#)
    case 5:  // a large reply it never reads, half-closed
        c.send(#"{"id":1,"cmd":"events","args":{"n":500}}"# + "\n" + #"{"id":2,"cmd":"ls"}"# + "\n")
        shutdown(c.fd, Int32(SHUT_WR))
    default:  // follows, half-closes, then gone
        c.send(#"{"id":1,"cmd":"logs","args":{"names":["flap"],"follow":true}}"# + "\n")
        shutdown(c.fd, Int32(SHUT_WR))
        _ = c.readSome(timeout: 0.05)
    }
}

/// One TCP client doing one of four things, then gone (some with a reset).
private func tcpClient(port: Int, token: String, kind: Int) {
    guard let c = try? TCPClient(port: port) else { return }
    switch kind {
    case 0:  // connects and vanishes before its handshake
        break
    case 1:  // authenticates, follows events, resets the connection mid-stream
        guard (try? c.startTLS(tokenFile: token)) != nil, c.readObject()?["hello"] != nil else { return }
        c.send(#"{"id":2,"cmd":"events","args":{"follow":true,"n":20}}"#)
        _ = c.readLine(0.1)
        var reset = linger(l_onoff: 1, l_linger: 0)
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
    case 2:  // authenticates, asks, half-closes, reads the reply
        guard (try? c.startTLS(tokenFile: token)) != nil, c.readObject()?["hello"] != nil else { return }
        c.send(#"{"id":2,"cmd":"ls"}"#)
        c.closeWriting()
        _ = c.readLine(5)
    default:  // authenticates, follows logs, half-closes, gone
        guard (try? c.startTLS(tokenFile: token)) != nil, c.readObject()?["hello"] != nil else { return }
        c.send(#"{"id":2,"cmd":"logs","args":{"names":["flap"],"follow":true}}"#)
        c.closeWriting()
    }
}

/// Runs `body` on a thread of its own (Dispatch's pool has as few threads
/// as cores, and every worker here blocks), inside `group`.
private func worker(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
    group.enter()
    Thread {
        body()
        group.leave()
    }.start()
}

/// How many times each kind of client ran.
private final class Counts: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func add(_ kind: String) { lock.withLock { counts[kind, default: 0] += 1 } }
    var summary: String { lock.withLock { counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") } }
}

/// The number of descriptors `pid` has open.
private func openFiles(_ pid: Int32) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count ?? -1
}

/// What `pid`'s descriptors are, counted by kind (`socket`, `pipe`, a path).
private func fileKinds(_ pid: Int32) -> [String: Int] {
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
    return fds.reduce(into: [:]) { kinds, fd in
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? "?"
        kinds[target.split(separator: ":").first.map(String.init) ?? target, default: 0] += 1
    }
}
