import Foundation
import Testing

/// What the control commands answer, per service (issue #9 items 1–3, 14, 15, 19).
@Suite struct AnswerTests {
    @Test func dropTakesNoNamesAndRemovesEverythingOnlyWhenAlone() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "k1", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        #expect(box.run("add", "--name", "k2", "--", "/bin/sleep", "1000").status == 0)
        let misuse = box.run("drop", "k1")
        #expect(misuse.status == 64)
        #expect(misuse.stderr.contains("Unexpected argument 'k1'"))
        #expect(box.services().count == 2)
        #expect(box.run("rm").status == 64)
        #expect(box.run("rm", "--all", "k1").status == 64)
        let drop = box.run("drop")
        #expect(drop.status == 0)
        #expect(drop.stdout.contains("k1: removed, stopped (pid "))
        #expect(drop.stdout.contains("k2: removed, stopped (pid "))
        #expect(box.services().isEmpty)
        #expect(box.run("drop").stdout == "no services to remove\n")
    }

    @Test func restartsOnRequestDoNotGrowTheBackoff() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "lr", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        for _ in 0..<4 {
            let before = try #require(box.pid("lr"))
            let out = box.run("restart", "lr")
            #expect(out.status == 0)
            #expect(out.stdout.hasPrefix("lr: restarted (pid \(before) → "))
        }
        #expect(box.run("signal", "KILL", "lr").status == 0)
        #expect(eventually { times(box.events("lr"), "start").count == 6 })
        let events = box.events("lr")
        let exit = try #require(events.last { $0["type"] as? String == "exit" })
        #expect(exit["crashes"] as? Int == 1)
        let delay = (times(events, "start").last ?? 0) - (exit["time"] as? Double ?? 0)
        #expect(delay >= 0.95 && delay < 1.9, "restart delay \(delay)")
    }

    @Test func signalReportsEachServiceAndSkipsIdleOnesForAll() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "h", cmd = "/bin/sleep 1000", autostart = false }
            ppm.service { name = "w", cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        let w = try #require(box.pid("w"))
        let all = box.run("signal", "CONT", "all")
        #expect(all.status == 0)
        #expect(all.stdout == "h: not running, not signalled\nw: sent CONT (pid \(w))\n")
        let named = box.run("signal", "CONT", "h", "w")
        #expect(named.status == 1)
        #expect(named.stdout == "w: sent CONT (pid \(w))\n")
        #expect(named.stderr == "ppm-lua: h: not running\n")
    }

    @Test func eachCommandSaysWhatItDidPerServiceAndQuietSaysNothing() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "a", cmd = "/bin/sleep 1000" }
            ppm.service { name = "m", cmd = "/bin/sleep 1000", autostart = false }
            ppm.service { name = "stubborn", stop_timeout = 2,
                          cmd = { "/bin/sh", "-c", "trap '' TERM; /bin/sleep 1000 & wait; wait" } }
            """)
        try box.startDaemon()
        let a = try #require(box.pid("a"))
        let start = box.run("start", "a", "m")
        #expect(start.status == 0)
        let m = try #require(box.pid("m"))
        #expect(start.stdout == "a: already running (pid \(a))\nm: started (pid \(m))\n")
        let stop = box.run("stop", "a", "m")
        #expect(stop.stdout.contains("a: stopped (pid \(a), "))
        #expect(stop.stdout.contains("m: stopped (pid \(m), "))
        #expect(box.run("stop", "a").stdout == "a: already stopped\n")
        let slow = box.run("stop", "stubborn")
        #expect(slow.stdout.contains("stubborn: still running (pid "))
        #expect(slow.stdout.contains("after TERM; SIGKILL in "))
        #expect(slow.stdout.contains("stubborn: stopped with SIGKILL after "))
        #expect(box.run("start", "-q", "a", "m").stdout == "")
        #expect(box.run("restart", "--quiet", "a").stdout == "")
        let rm = box.run("rm", "m")
        #expect(rm.stdout.hasPrefix("m: removed, stopped (pid "))
        let quit = box.run("quit")
        #expect(quit.status == 0)
        #expect(quit.stdout.contains("a: stopped (pid "))
        #expect(quit.stdout.hasSuffix("daemon stopped\n"))
    }

    @Test func addReportsAFailedFirstStartAndKeepsNothing() throws {
        let box = try Sandbox()
        try box.write("")
        try box.startDaemon()
        let missing = box.run("add", "--", "/no/such/file")
        #expect(missing.status == 1)
        #expect(missing.stderr == "ppm-lua: cannot start 'file': /no/such/file: No such file or directory; not added\n")
        #expect(eventually { box.services().isEmpty })
        #expect(box.run("add", "--name", "web", "--", "/bin/sleep", "1000").status == 0)
        let dup = box.run("add", "--name", "web", "--", "/bin/sleep", "1000")
        #expect(dup.status == 1)
        #expect(dup.stderr.contains("already exists; choose another name with --name"))
    }

    @Test func warningsOfAChunkReachItsClientAndUnknownCommandsSuggest() throws {
        let box = try Sandbox()
        try box.write("")
        try box.startDaemon()
        let out = box.run("eval", #"ppm.service { name = "x", cmd = "/bin/sleep 1000", on_exit = function() end }"#)
        #expect(out.status == 0)
        #expect(out.stderr.hasPrefix("ppm-lua: warning: service 'x': on_exit cannot be persisted"))
        let typo = box.run("lss")
        #expect(typo.status == 64)
        #expect(typo.stderr == "ppm-lua: unknown command 'lss' (did you mean 'ls'?); see 'ppm-lua --help'\n")
    }
}
