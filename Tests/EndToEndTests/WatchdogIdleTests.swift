import Foundation
import Testing

/// An idle daemon is never woken by its watchdog.
@Suite struct WatchdogIdleTests {
    /// After the last request the loop blocks with the watchdog's timer off:
    /// its thread sleeps through several of its limits (1 s here).
    @Test func theWatchdogSleepsWhileTheDaemonIsIdle() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { watchdog = "1s" }
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        defer { _ = box.run(["quit"], deadline: 10) }
        let pid = try #require(box.daemonProcess?.processIdentifier)
        #expect(eventually(10) { box.state("web") == "running" })
        let guardThread = try #require(Self.thread(named: "ppm-guard", of: pid), "no watchdog thread")
        #expect(box.run(["status"], deadline: 5)?.status == 0)
        let before = try #require(Self.switches(pid, guardThread))
        // Three of the watchdog's limits with no request: it must not wake once.
        Thread.sleep(forTimeInterval: 3)
        #expect(Self.switches(pid, guardThread) == before, "the watchdog woke while the daemon was idle")
        #expect(box.run(["status"], deadline: 5)?.status == 0)
    }

    /// The id of the thread of `pid` called `name`.
    static func thread(named name: String, of pid: Int32) -> String? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.first { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines) == name
        }
    }

    /// How many times the thread `task` of `pid` was switched out (woken and slept again).
    static func switches(_ pid: Int32, _ task: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8) else { return nil }
        let counts = status.split(separator: "\n").filter { $0.contains("ctxt_switches:") }
        return counts.compactMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }.reduce(0, +)
    }
}
