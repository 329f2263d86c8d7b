import Foundation
import Testing

/// `quit` returns once the daemon has exited and released its home: a new
/// daemon can start at once, and daemon.log is complete.
@Suite struct QuitThenStartTests {
    @Test func aDaemonStartsRightAfterQuitEveryTime() throws {
        let box = try Sandbox()
        try box.write(
            """
            for i = 1, 5 do ppm.service { name = "s" .. i, cmd = "/bin/sleep 100" } end
            ppm.service { name = "talk", cmd = { "/bin/sh", "-c", "while :; do echo line; sleep 0.01; done" } }
            """)
        let log = box.dir + "/home/daemon.log"
        for round in 1...20 {
            let start = box.run("daemon", "-c", box.config, "--detach", "--pidfile", "d.pid")
            #expect(start.status == 0, "round \(round): \(start.stderr)")
            guard start.status == 0 else { break }
            let pid = try #require(pidFile(box.dir + "/d.pid"))
            let quit = box.run("quit", "-q")
            #expect(quit.status == 0, "round \(round): \(quit.stderr)")
            #expect(!alive(pid), "round \(round): the daemon still runs after quit returned")
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(text.hasSuffix("every service stopped; exiting\n"), "round \(round): daemon.log ends with \(text.suffix(80).debugDescription)")
        }
    }
}
