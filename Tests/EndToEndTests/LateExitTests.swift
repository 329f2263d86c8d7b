import Foundation
import Glibc
import Testing

/// An exit the daemon notices late counts the runtime up to when the
/// process last ran, not the time nobody watched (#29.9).
struct LateExitTests {
    @Test func aStoppedDaemonReportsTheRuntimeTheServiceHad() throws {
        let box = try Sandbox()
        try box.write("ppm.service { name = \"short\", restart = \"never\", cmd = { \"/bin/sh\", \"-c\", \"sleep 1; exit 3\" } }")
        try box.startDaemon()
        let service = try #require(box.pid("short"))
        let daemon = try #require(box.daemonProcess).processIdentifier
        kill(daemon, SIGSTOP)
        defer { kill(daemon, SIGCONT) }
        // The service exits while nobody watches, and stays unreaped a while.
        #expect(eventually(10) { procStatus(service, "State")?.hasPrefix("Z") == true })
        let exitedAt = Date()
        #expect(!eventually(3) { false })  // 3 s in which the exit goes unnoticed
        kill(daemon, SIGCONT)
        #expect(eventually { box.state("short") == "crashed" })
        let exit = box.events("short").first { $0["type"] as? String == "exit" }
        let runtime = try #require(exit?["runtime"] as? Double)
        #expect(runtime >= 0.9 && runtime < 2, "runtime \(runtime) s counts the \(Date().timeIntervalSince(exitedAt)) s the daemon was stopped")
        let lastExit = box.services()["short"]?["last_exit"] as? [String: Any]
        #expect((lastExit?["runtime"] as? Double).map { $0 < 2 } == true)
    }
}
