import Foundation
import Glibc
import TestProcesses
import Testing

/// The client's `--timeout` and the reconnection of followers across an
/// `upgrade` (#29.9) over the TCP listener: in TLS, and in clear on loopback.
struct RemoteClientWaitTests {
    /// A daemon listening on a fixed port (an `upgrade` binds it again).
    func listeningBox(tls: Bool = true) throws -> (Sandbox, port: Int) {
        let box = try Sandbox()
        try "0123456789abcdef0123456789abcdef\n".write(toFile: box.dir + "/token", atomically: true, encoding: .utf8)
        chmod(box.dir + "/token", 0o600)
        let port = Int(try UDPProbe.freePort())
        try box.write(
            """
            ppm.settings { listen = { address = "127.0.0.1:\(port)", token_file = "token", tls = \(tls),
                                      allow = { ["127.0.0.1"] = { "read" } } } }
            ppm.service { name = "tick", cmd = { "/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done" } }
            ppm.service { name = "later", cmd = { "/bin/sleep", "1000" }, autostart = false }
            """)
        try box.startDaemon()
        return (box, port)
    }

    func remoteArgs(_ box: Sandbox, _ port: Int) -> [String] {
        ["--host", "127.0.0.1:\(port)", "--token-file", box.dir + "/token"]
    }

    @Test func aTLSClientGivesUpOnABusyLoopWithTheTimeoutsMessage() throws {
        let (box, port) = try listeningBox()
        // The loop runs a chunk for 3-4 s of wall time (os.clock is CPU time, which a loaded
        // machine stretches); the listener's thread still does the handshake.
        let busy = try box.launch(
            ["eval", "--timeout", "20", "local t = os.time() while os.time() - t < 4 do end"],
            stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice)
        defer { if busy.isRunning { kill(busy.processIdentifier, SIGKILL) } }
        usleep(300_000)
        let status = try #require(box.run(["status", "--timeout", "1"] + remoteArgs(box, port), deadline: 20), "status hangs")
        #expect(status.status == 1)
        #expect(status.stderr == "ppm-lua: the daemon did not answer within 1 s (--timeout to wait longer)\n", "\(status.stderr)")
        // Waited for when the timeout is long enough.
        #expect(box.run(["status", "--timeout", "10"] + remoteArgs(box, port), deadline: 20)?.status == 0)
    }

    @Test(arguments: [true, false])
    func remoteFollowersResumeAfterAnUpgrade(tls: Bool) throws {
        let (box, port) = try listeningBox(tls: tls)
        func follow(_ args: [String], into file: String) throws -> TestProcess {
            FileManager.default.createFile(atPath: box.dir + "/" + file, contents: nil)
            return try box.launch(
                args + remoteArgs(box, port), stdout: FileHandle(forWritingAtPath: box.dir + "/" + file)!,
                stderr: FileHandle(forWritingAtPath: box.dir + "/" + file + ".err") ?? FileHandle.nullDevice)
        }
        func text(_ file: String) -> String { (try? String(contentsOfFile: box.dir + "/" + file, encoding: .utf8)) ?? "" }
        let events = try follow(["events", "-f", "--json", "-n", "1"], into: "events.out")
        let logs = try follow(["logs", "tick", "-f", "-n", "0"], into: "logs.out")
        defer { [events, logs].filter(\.isRunning).forEach { kill($0.processIdentifier, SIGKILL) } }
        #expect(
            eventually { text("logs.out").split(separator: "\n").count > 20 },
            "logs -f: \(text("logs.out.err")); daemon: \(tail(box.daemonLog)); refusals: \(box.events().filter { $0["type"] as? String == "remote_refused" })"
        )
        let upgrade = box.run("upgrade")
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        #expect(box.run("start", "later").status == 0)
        #expect(eventually(20) { text("events.out").contains("\"later\"") }, "events -f over TCP shows what happened after the upgrade")
        let before = text("logs.out").split(separator: "\n").count
        #expect(eventually(20) { text("logs.out").split(separator: "\n").count > before + 50 }, "logs -f over TCP goes on")
        #expect(events.isRunning && logs.isRunning, "events -f: \(text("events.out.err")); logs -f: \(text("logs.out.err"))")
        let numbers = text("logs.out").split(separator: "\n").dropLast().compactMap { Int($0) }
        #expect(
            zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 + 1 }, "lines \(numbers.first ?? 0)…\(numbers.last ?? 0) have gaps or repeats")
        // A quit ends them: another daemon does not answer there within their patience.
        #expect(box.run("quit").status == 0)
        #expect(eventually(40) { !events.isRunning && !logs.isRunning })
    }
}
