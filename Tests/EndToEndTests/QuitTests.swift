import Foundation
import Testing

/// SPEC 8: `quit` leaves no process behind, helpers and adopted orphans
/// included; a helper may carry a timeout of its own.
@Suite struct QuitEndToEndTests {
    @Test func aHelperFromPpmSpawnIsEndedAtQuit() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.spawn({ "/bin/sh", "-c", "echo $$ > \(box.dir)/helper.pid; exec /bin/sleep 777" })
            """)
        try box.startDaemon()
        let helper = try #require(pidFile(box.dir + "/helper.pid"))
        #expect(eventually { alive(helper) })
        #expect(box.run(["quit"], deadline: 30)?.status == 0)
        #expect(box.waitForDaemonExit() == 0)
        #expect(eventually(5) { !alive(helper) })
    }

    /// Without cgroups (the fallback): the subreaper and `quit` reach it.
    @Test func aGrandchildThatLeftItsSessionIsEndedAtQuit() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { cgroups = false }
            ppm.service { name = "escaper", dir = "\(box.dir)",
              cmd = { "/bin/sh", "-c", "setsid /bin/sh -c 'echo $$ > escaped.pid; exec /bin/sleep 778' & exec /bin/sleep 1000" } }
            """)
        try box.startDaemon()
        let escaped = try #require(pidFile(box.dir + "/escaped.pid"))
        #expect(procStatus(escaped, "NSsid") != nil)
        // `stop` reaches the service's process group, which the grandchild left…
        #expect(box.run(["stop", "escaper"], deadline: 30)?.status == 0)
        #expect(alive(escaped))
        // …`quit` ends it all the same.
        #expect(box.run(["quit"], deadline: 30)?.status == 0)
        #expect(box.waitForDaemonExit() == 0)
        #expect(eventually(5) { !alive(escaped) })
    }

    @Test func aHelperRunningPastItsTimeoutIsEnded() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.spawn({ "/bin/sleep", "779" }, { timeout = 0.3, on_exit = function(ev) ended = ev end })
            """)
        try box.startDaemon()
        #expect(eventually(10) { box.run(["eval", "return ended and ended.signame"], deadline: 10)?.stdout == "\"TERM\"\n" })
        #expect(box.run(["eval", "return ended.timed_out"], deadline: 10)?.stdout == "true\n")
        let bad = try #require(box.run(["eval", "ppm.spawn({'/bin/true'}, { timeout = -1 })"], deadline: 10))
        #expect(
            bad.status == 1 && bad.stderr.hasPrefix("ppm-lua: repl:1: ") && bad.stderr.contains("'timeout' must not be negative"),
            "\(bad.stderr)")
        let zero = try #require(box.run(["eval", "ppm.spawn({'/bin/true'}, { timeout = 0 })"], deadline: 10))
        #expect(zero.stderr.contains("'timeout' must be more than 0 seconds"), "\(zero.stderr)")
    }
}
