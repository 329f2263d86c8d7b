import Foundation
import Testing

/// sd_notify's `MAINPID=`, `ERRNO=`, `RELOADING=1` and `STOPPING=1` from real
/// services, sent with systemd's own `systemd-notify` (SPEC 9, "sd_notify").
@Suite(.serialized) struct SdNotifyNoticeTests {
    func showJSON(_ s: Sandbox, _ name: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(s.run("show", name, "--json").stdout.utf8)) as? [String: Any]) ?? [:]
    }

    func exits(_ s: Sandbox, _ name: String) -> [[String: Any]] {
        s.events(name).filter { $0["type"] as? String == "exit" }
    }

    @Test func aMainPidOfItsOwnGroupBecomesTheServicesProcessAndOneOutsideIsIgnored() throws {
        let s = try Sandbox()
        // "m": the shell hands over to a child and exits; "x" names a process of another session
        // (its pid written once it is in that session: notified before, it would still be in the group).
        try s.write(
            """
            ppm.service { name = "m", ready = "notify",
                          cmd = { "/bin/sh", "-c", "sleep 1000 & echo $! > \(s.dir)/m.pid; systemd-notify --ready --pid=$!; exit 0" } }
            ppm.service { name = "x", ready = "notify",
                          cmd = { "/bin/sh", "-c", "setsid sh -c 'echo $$ > \(s.dir)/x.tmp; mv \(s.dir)/x.tmp \(s.dir)/x.pid; exec sleep 1000' & \\
                                  while [ ! -e \(s.dir)/x.pid ]; do sleep 0.01; done; systemd-notify --ready --pid=$(cat \(s.dir)/x.pid); exec sleep 1000" } }
            """)
        try s.startDaemon()
        let child = try #require(pidFile(s.dir + "/m.pid"))
        #expect(eventually { s.pid("m") == child }, "pid \(String(describing: s.pid("m"))), child \(child)")
        #expect(s.state("m") == "running")
        #expect(s.run("show", "m").stdout.contains("pid        \(child)"))

        let outsider = try #require(pidFile(s.dir + "/x.pid"))
        defer { kill(outsider, SIGKILL) }
        #expect(eventually { ((try? String(contentsOfFile: s.daemonLog, encoding: .utf8)) ?? "").contains("MAINPID=\(outsider)") })
        #expect(s.pid("x") != outsider && s.state("x") == "running")

        // The shell that started "m" has exited; the end of the main process is the end of the run.
        kill(child, SIGKILL)
        #expect(eventually { exits(s, "m").first?["signame"] as? String == "KILL" })
        #expect((exits(s, "m").first?["pid"] as? NSNumber)?.int32Value == child)
        #expect(s.run("quit").status == 0)
    }

    @Test func errnoAndStoppingAreShownAndTheErrnoIsInTheExitEvent() throws {
        let s = try Sandbox()
        try s.write("go", to: "hold")
        try s.write(
            """
            ppm.service { name = "e", ready = "notify", restart = "never",
                          cmd = { "/bin/sh", "-c", "systemd-notify --ready; systemd-notify STOPPING=1 ERRNO=2; while [ -e \(s.dir)/hold ]; do sleep 0.05; done; exit 3" } }
            """)
        try s.startDaemon()
        #expect(eventually { showJSON(s, "e")["errno"] as? Int == 2 })
        #expect(showJSON(s, "e")["stopping_notified"] as? Bool == true)
        let show = s.run("show", "e").stdout
        #expect(show.contains("errno      2 (No such file or directory)"), "\(show)")
        #expect(show.contains("notified   STOPPING=1"), "\(show)")

        try FileManager.default.removeItem(atPath: s.dir + "/hold")
        #expect(eventually { s.state("e") == "crashed" })
        #expect((exits(s, "e").first?["errno"] as? NSNumber)?.intValue == 2)
        #expect(s.run("show", "e").stdout.contains("ERRNO=2 (No such file or directory)"))
        #expect(((showJSON(s, "e")["last_exit"] as? [String: Any])?["errno"] as? Int) == 2)
    }

    @Test func reloadingShowsUntilTheNextReadyAndTheServiceStaysHealthyMeanwhile() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "r", ready = "notify",
                          cmd = { "/bin/sh", "-c", "systemd-notify --ready; while [ ! -e \(s.dir)/reload ]; do sleep 0.05; done; systemd-notify RELOADING=1; "
                                  .. "while [ ! -e \(s.dir)/done ]; do sleep 0.05; done; systemd-notify --ready; exec sleep 1000" } }
            ppm.service { name = "web", requires = { "r" }, cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("web") == "running" })
        try s.write("", to: "reload")
        #expect(eventually { s.state("r") == "reloading" })
        #expect(s.run("ls").stdout.contains("reloading"))
        #expect(s.run("health", "r").status == 0)
        #expect(s.state("web") == "running")
        try s.write("", to: "done")
        #expect(eventually { s.state("r") == "running" })
        #expect(s.events("r").filter { $0["type"] as? String == "ready" }.count == 1)
    }
}
