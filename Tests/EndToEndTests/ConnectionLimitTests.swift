import Foundation
import TestProcesses
import Testing

/// More clients than the daemon may hold (found by the protocol fuzz test
/// under a low open-files limit): before, accept failed with EMFILE and the
/// listening socket stayed readable, so the daemon spun at full CPU and a
/// client waiting to connect hung; now each extra client gets one error line.
@Suite struct ConnectionLimitTests {
    @Test func clientsBeyondTheLimitAreRefusedWithAReason() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "a", cmd = "sleep 1000" }"#)
        // A daemon with 128 descriptors: at most 64 clients.
        let daemon = TestProcess()
        daemon.executableURL = URL(fileURLWithPath: "/bin/sh")
        daemon.arguments = ["-c", "ulimit -n 128 && exec \"$0\" daemon -c \"$1\"", binary, box.config]
        daemon.environment = box.env
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer {
            if daemon.isRunning { _ = box.run("quit") }
            if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        }
        #expect(eventually { box.state("a") == "running" })
        let pid = box.pid("a")
        let socket = box.dir + "/home/ppm.sock"

        let clients = (0..<200).compactMap { _ in RawSocket(path: socket) }
        #expect(clients.count == 200)
        let refused = clients.filter { c in
            guard let line = c.readLine(0.1), let error = replyObject(line)?["error"] as? String else { return false }
            return error.contains("too many clients") || error.contains("too many open files")
        }
        #expect(refused.count >= 200 - 64, "\(refused.count) of 200 refused")

        // It does not spin while they are held, and the CLI names the reason.
        let before = cpuTicks(daemon.processIdentifier)
        usleep(1_000_000)
        #expect(cpuTicks(daemon.processIdentifier) - before < 30, "the daemon spins with clients waiting")
        let status = box.run("status")
        #expect(status.status == 1 && status.stderr.contains("try again later"), "\(status)")

        // Once they go, everyone is served again; the service never noticed.
        _ = consume clients
        _ = consume refused
        #expect(eventually(10) { box.run("status").status == 0 })
        #expect(box.pid("a") == pid)
    }
}
