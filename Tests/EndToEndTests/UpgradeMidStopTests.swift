import Foundation
import Testing

/// What a service is doing when `ppm-lua upgrade` re-executes the daemon
/// goes on in the new image: a paused service stays paused, and a stop
/// under way ends as asked (not as a crash, and not left running).
@Suite struct UpgradeMidStopTests {
    @Test func aPausedServiceStaysPausedAndAStopUnderWayEndsStopped() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "stubborn", cmd = { "/bin/sh", "-c", "trap '' TERM; while true; do sleep 0.2; done" },
                          stop_timeout = "3s" }
            ppm.service { name = "napper", cmd = { "/bin/sleep", "1000" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("stubborn") == "running" && box.state("napper") == "running" })
        let napper = try #require(box.pid("napper"))
        let stubborn = try #require(box.pid("stubborn"))
        kill(napper, SIGSTOP)
        #expect(eventually { box.state("napper") == "paused" })
        let stop = try box.launch(["stop", "stubborn"], stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice)
        #expect(eventually { box.state("stubborn") == "stopping" })
        #expect(box.run("upgrade").status == 0)
        #expect(box.state("napper") == "paused")
        #expect(box.state("stubborn") == "stopping")
        // SIGKILL when its 3 s are up, counted from the stop, not the upgrade; then it stays down.
        #expect(eventually(15) { box.state("stubborn") == "stopped" })
        #expect(!alive(stubborn) && box.pid("stubborn") == nil)
        let kill = try #require(box.events("stubborn").last { $0["type"] as? String == "stop_step" })
        #expect(kill["signame"] as? String == "KILL")
        #expect((kill["after"] as? Double ?? 0) >= 2.9)
        #expect(box.events("stubborn").filter { $0["type"] as? String == "start" }.count == 1)
        stop.waitUntilExit()
        // Still its child: continued, it shows running again.
        Foundation.kill(napper, SIGCONT)
        #expect(eventually { box.state("napper") == "running" })
    }
}
