import Foundation
import Testing

/// A daemon started again under a short open-files limit after a kill
/// still adopts every service: it takes back only the output pipes its
/// limit has room for, and says which it left with the fd holder.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"), "needs prlimit (util-linux)"))
struct DescriptorLimitTests {
    private func config(_ count: Int) -> String {
        (0..<count).map { #"ppm.service { name = "s\#($0)", cmd = { "/bin/sh", "-c", "while :; do echo tick; sleep 0.2; done" } }"# }
            .joined(separator: "\n") + "\n"
    }

    private func restartAfterKill(services count: Int, limit: Int) throws -> (box: Sandbox, pids: [String: Int32]) {
        let box = try Sandbox()
        try box.write(config(count))
        try box.startDaemon()
        #expect(eventually { box.services().values.filter { $0["state"] as? String == "running" }.count == count })
        let before = box.services().compactMapValues { ($0["pid"] as? NSNumber)?.int32Value }
        kill(try #require(box.daemonProcess).processIdentifier, SIGKILL)
        #expect(box.waitForDaemonExit() != nil)
        try box.startDaemon(wrapper: ["/usr/bin/prlimit", "--nofile=\(limit):\(limit)", "--"])
        // It must go on answering with its table as full as it gets.
        for _ in 0..<3 { #expect(box.run(["status"], deadline: 10)?.status == 0) }
        return (box, before)
    }

    @Test func aShortLimitAfterAKillAdoptsEveryServiceWithItsPid() throws {
        let (box, before) = try restartAfterKill(services: 60, limit: 256)
        #expect(before.count == 60)
        let after = box.services().compactMapValues { ($0["pid"] as? NSNumber)?.int32Value }
        #expect(after == before)
        #expect(box.run("status").status == 0)
        // Output goes on being captured from the pipes taken back.
        let lines = {
            (0..<60).reduce(0) { sum, i in
                sum + ((try? String(contentsOfFile: box.dir + "/home/logs/s\(i).out.log", encoding: .utf8)) ?? "").split(separator: "\n").count
            }
        }
        let seen = lines()
        #expect(eventually(10) { lines() > seen + 20 })
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }

    @Test func pipesBeyondTheLimitStayWithTheHolderAndAreNamed() throws {
        let (box, before) = try restartAfterKill(services: 100, limit: 160)
        let after = box.services().compactMapValues { ($0["pid"] as? NSNumber)?.int32Value }
        #expect(after == before)
        #expect(box.run("status").status == 0)
        let log = (try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? ""
        #expect(log.contains("the open-files limit (160) leaves no room to read the output of"), "\(log)")
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }
}
