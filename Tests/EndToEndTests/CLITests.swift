import Foundation
import Testing

@Suite struct CheckAndStartupTests {
    @Test func everyCommandHasHelpAndNeedsNoDaemonForIt() throws {
        let box = try Sandbox()
        for command in [
            "daemon", "check", "status", "ls", "list", "info", "show", "desc", "start", "stop", "restart",
            "signal", "rm", "del", "drop", "add", "exec", "events", "eval", "repl", "export", "init",
            "stats", "reload", "quit",
        ] {
            let out = box.run(command, "--help")
            #expect(out.status == 0, "\(command) --help")
            #expect(out.stdout.contains("USAGE: ppm-lua"), "\(command) --help")
        }
        #expect(box.run("--version").stdout == "0.1.0\n")
    }

    /// A usage error is one line `ppm-lua: ...` (README), exit code 64 as swift-argument-parser gives.
    @Test func usageErrorsAreOneLineNamingTheHelp() throws {
        let box = try Sandbox()
        for args in [["logs"], ["logs", "-n", "x", "web"], ["status", "--bogus"], ["signal"], ["rm", "--all", "web"], ["test"]] {
            let out = box.run(args)
            #expect(out.status == 64, "\(args)")
            let lines = out.stderr.split(separator: "\n")
            #expect(lines.count == 1 && out.stderr.hasPrefix("ppm-lua: ") && !out.stderr.contains("Error:"), "\(args): \(out.stderr)")
            #expect(out.stderr.contains("(see 'ppm-lua \(args[0]) --help')"), "\(args): \(out.stderr)")
        }
        #expect(box.run("rm", "--help").stdout.contains("`all`"))
        #expect(box.run("add", "--help").stdout.contains("show --json"))
    }

    @Test func checkListsServicesAndRejectsBadConfigsWithFileAndLine() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 100" }"#)
        let ok = box.run("check", "ppm.lua")
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("web"))
        try box.write("ppm.service { name = \"web\", cmd = \"/bin/true\" }\nppm.service { name = \"x\", cmd = \"/bin/true\", onexit = 1 }")
        let bad = box.run("check", "ppm.lua")
        #expect(bad.status == 1)
        #expect(bad.stderr == "ppm-lua: ppm.lua:2: service 'x': unknown field 'onexit' (did you mean 'on_exit'?)\n")
    }

    @Test func aBadInitialConfigStartsNothing() throws {
        let box = try Sandbox()
        try box.write("ppm.service { name = \"a\", cmd = \"/bin/sleep 100\" }\nppm.service { name = \"a\", cmd = \"/bin/true\" }")
        let out = box.run("daemon", "-c", box.config)
        #expect(out.status == 1)
        #expect(out.stderr.hasPrefix("ppm-lua: \(box.config):2: service 'a': duplicate name"))
        #expect(!FileManager.default.fileExists(atPath: box.dir + "/home/ppm.sock"))
    }

    @Test func clientsWithoutADaemonExit3NamingTheSocket() throws {
        let box = try Sandbox()
        let out = box.run("ls")
        #expect(out.status == 3)
        #expect(out.stderr.contains(box.dir + "/home/ppm.sock"))
        #expect(out.stderr.hasPrefix("ppm-lua: "))
    }

    /// A daemon whose socket file was deleted still holds its home: a second
    /// one on the same home refuses to start, until the first has exited.
    @Test func aSecondDaemonOnAHomeWhoseSocketIsGoneRefusesToStart() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "a", cmd = "/bin/sleep 100" }"#)
        try box.startDaemon()
        let first = try #require(box.daemonProcess)
        #expect(unlink(box.dir + "/home/ppm.sock") == 0)
        // Killed after 30 s if it runs instead (the test then fails, not hangs).
        let second = box.run(["daemon", "-c", box.config], deadline: 30)
        #expect(second?.status == 1)
        #expect(
            second?.stderr.contains("another daemon already runs on \(box.dir)/home (its socket is gone)") == true, "\(second?.stderr ?? "it ran")")
        kill(first.processIdentifier, SIGTERM)
        #expect(box.waitForDaemonExit() != nil)
        try box.startDaemon()
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }

    @Test func detachReturnsOnceTheSocketAnswersAndStatusReports() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "a", cmd = "/bin/sleep 100" }"#)
        let out = box.run("daemon", "-c", box.config, "--detach", "--pidfile", "d.pid")
        #expect(out.status == 0)
        let status = box.run("status", "--json")
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"services\":1"))
        let pid = Int32(try String(contentsOfFile: box.dir + "/d.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        #expect(alive(pid))
        var st = stat()
        stat(box.dir + "/home/ppm.sock", &st)
        #expect(st.st_mode & 0o777 == 0o600)
        let second = box.run("daemon", "-c", box.config)
        #expect(second.status == 1)
        #expect(second.stderr.contains("a daemon already answers on"))
        #expect(box.run("quit").status == 0)
        #expect(eventually { !alive(pid) })
    }
}

@Suite struct ProcessTests {
    @Test func exitEventsForExitStatusAndKill() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "three", cmd = { "/bin/sh", "-c", "exit 3" }, once = true }
            ppm.service { name = "victim", cmd = "/bin/sleep 1000", restart = "never" }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("three") == "crashed" })
        let exit3 = try #require(box.events("three").last { $0["type"] as? String == "exit" })
        #expect(exit3["result"] as? Int == 3)
        #expect(exit3["outcome"] as? String == "crashed")
        #expect(exit3["signal"] == nil)
        #expect(exit3["seq"] != nil && exit3["time"] != nil && exit3["runtime"] != nil)
        let pid = try #require(box.pid("victim"))
        #expect(procStatus(pid, "SigBlk") == "0000000000000000")
        kill(pid, SIGKILL)
        #expect(eventually { box.state("victim") == "crashed" })
        let killed = try #require(box.events("victim").last { $0["type"] as? String == "exit" })
        #expect(killed["signal"] as? Int == 9)
        #expect(killed["signame"] as? String == "KILL")
        #expect(killed["pid"] as? Int == Int(pid))
        let ls = box.run("ls")
        #expect(ls.stdout.contains("signal KILL"))
        #expect(ls.stdout.contains("exit 3"))
    }

    @Test func outsideSigtermFinishesAndSigstopPauses() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "a", cmd = "/bin/sleep 1000" }
            ppm.service { name = "b", cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        let a = try #require(box.pid("a"))
        let b = try #require(box.pid("b"))
        kill(a, SIGTERM)
        #expect(eventually { box.state("a") == "finished" })
        kill(b, SIGSTOP)
        #expect(eventually { box.state("b") == "paused" })
        kill(b, SIGCONT)
        #expect(eventually { box.state("b") == "running" })
    }

    @Test func aStubbornChildAndItsGrandchildAreGoneAfterQuit() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "stubborn", stop_timeout = 1,
              cmd = { "/bin/sh", "-c", "trap '' TERM; /bin/sleep 1000 & echo $! > grandchild.pid; wait; wait" },
              dir = "\(box.dir)" }
            """)
        try box.startDaemon()
        let child = try #require(box.pid("stubborn"))
        #expect(eventually { FileManager.default.fileExists(atPath: box.dir + "/grandchild.pid") })
        let text = try String(contentsOfFile: box.dir + "/grandchild.pid", encoding: .utf8)
        let grandchild = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(alive(grandchild))
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
        #expect(!alive(child))
        #expect(!alive(grandchild))
    }

    @Test func sigtermToTheDaemonStopsEverythingAndExitsZeroAndSighupDoesNotKillIt() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "a", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        let pid = try #require(box.pid("a"))
        let daemon = try #require(box.daemonProcess)
        kill(daemon.processIdentifier, SIGHUP)
        #expect(box.run("status").status == 0)
        kill(daemon.processIdentifier, SIGTERM)
        #expect(box.waitForDaemonExit() == 0)
        #expect(!alive(pid))
    }

    @Test func missingExecutableIsReported() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "ghost", cmd = "/nonexistent/ghost --flag" }"#)
        try box.startDaemon()
        #expect(eventually { !box.events("ghost").isEmpty })
        let failed = try #require(box.events("ghost").first { $0["type"] as? String == "spawn_failed" })
        #expect(failed["error"] as? String == "/nonexistent/ghost: No such file or directory")
    }

    @Test func ulimitNiceAndEnvAreApplied() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "limited", cmd = "/bin/sleep 1000", ulimit = { nofile = 123 }, nice = 7,
                          env = { GREETING = "hi there" } }
            """)
        try box.startDaemon()
        let pid = try #require(box.pid("limited"))
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        #expect(line.split(separator: " ", omittingEmptySubsequences: true).contains("123"))
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat.split(separator: ")").last!.split(separator: " ")
        #expect(fields[16] == "7")  // field 19 of /proc/PID/stat: nice
        let environ = try String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8)
        #expect(environ.split(separator: "\0").contains("GREETING=hi there"))
        // Its own session and process group.
        #expect(getsid(pid) == pid)
        let stats = box.run("stats", "--json")
        #expect(stats.status == 0)
        let rows = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [[String: Any]]
        let row = try #require(rows?.first)
        #expect((row["rss"] as? Int ?? 0) > 0)
        #expect(row["pids"] as? [Int] == [Int(pid)])
        #expect(box.run("eval", "return ppm.stats('limited').rss > 0").stdout == "true\n")
    }

    @Test func outputGoesToFilesRelativeToDirOrToTheLogsFolder() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(atPath: box.dir + "/work", withIntermediateDirectories: true)
        try box.write("in-text", to: "work/input.txt")
        try box.write(
            """
            ppm.service { name = "files", dir = "work", stdin = "input.txt", stdout = "out.txt", stderr = "err.txt",
                          cmd = { "/bin/sh", "-c", "cat; echo oops >&2" }, once = true, cpu = { 0 } }
            ppm.service { name = "logged", cmd = { "/bin/sh", "-c", "echo to-log; echo to-err >&2" }, once = true }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("files") == "finished" && box.state("logged") == "finished" })
        #expect(try String(contentsOfFile: box.dir + "/work/out.txt", encoding: .utf8) == "in-text")
        #expect(try String(contentsOfFile: box.dir + "/work/err.txt", encoding: .utf8) == "oops\n")
        #expect(try String(contentsOfFile: box.dir + "/home/logs/logged.out.log", encoding: .utf8) == "to-log\n")
        #expect(try String(contentsOfFile: box.dir + "/home/logs/logged.err.log", encoding: .utf8) == "to-err\n")
        let show = box.run("show", "logged", "--json").stdout
        #expect(show.contains("logs/logged.out.log"))
    }

    @Test func cpuAffinityIsApplied() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "pinned", cmd = "/bin/sleep 1000", cpu = { 0 } }"#)
        try box.startDaemon()
        let pid = try #require(box.pid("pinned"))
        #expect(procStatus(pid, "Cpus_allowed_list") == "0")
    }

    @Test(.enabled(if: geteuid() == 0, "needs root")) func userIsApplied() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "nobody", cmd = "/bin/sleep 1000", user = "nobody", dir = "/" }"#)
        try box.startDaemon()
        let pid = try #require(box.pid("nobody"))
        let uid = getpwnam("nobody")!.pointee.pw_uid
        #expect(procStatus(pid, "Uid")?.hasPrefix("\(uid)") == true)
    }

    @Test(.enabled(if: geteuid() != 0, "runs as a normal user")) func userNeedsRoot() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "n", cmd = "/bin/sleep 1000", user = "nobody" }"#)
        let out = box.run("check", "ppm.lua")
        #expect(out.status == 1)
        #expect(out.stderr.contains("'user' needs the daemon to run as root"))
    }
}
