import Foundation
import Testing

/// What a service told the daemon over sd_notify (its `STATUS=` text, a
/// main process moved with `MAINPID=`, its readiness, the watchdog's
/// verdict) outlives `ppm-lua upgrade` and a daemon killed outright: the
/// next image or daemon shows the same and keeps the watchdog running.
@Suite(.serialized) struct NotifyCarryOverTests {
    /// A `ready = "notify"` service whose shell moves the main process to a
    /// child (`MAINPID=`), says `STATUS=`, and pings the watchdog until the
    /// file `quiet` appears (the shell stays the group's leader meanwhile).
    func write(_ s: Sandbox) throws {
        try s.write(
            """
            ppm.service { name = "n", ready = "notify", watchdog = "2s",
                          cmd = { "/bin/sh", "-c", "sleep 1000 & echo $! > \(s.dir)/main.pid; "
                                  .. "systemd-notify --ready --status='serving 42' --pid=$!; "
                                  .. "while [ ! -e \(s.dir)/quiet ]; do systemd-notify WATCHDOG=1; sleep 0.3; done; exec sleep 1000" } }
            ppm.service { name = "slow", ready = "notify", ready_timeout = "1h",
                          cmd = { "/bin/sh", "-c", "while [ ! -e \(s.dir)/go ]; do sleep 0.05; done; systemd-notify --ready; exec sleep 1000" } }
            """)
    }

    func showJSON(_ s: Sandbox, _ name: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(s.run("show", name, "--json").stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// The members a user compares before and after.
    func view(_ s: Sandbox) -> [String] {
        let show = showJSON(s, "n")
        let ls = s.services()["n"] ?? [:]
        return ["state", "pid", "health", "status_text", "starts"].map { "\($0)=\(show[$0] ?? "nil")" }
            + ["state", "pid", "health"].map { "ls.\($0)=\(ls[$0] ?? "nil")" }
    }

    /// Waits until `n` runs as its moved main process, healthy, with its status; returns the main pid.
    func settle(_ s: Sandbox) throws -> Int32 {
        let main = try #require(pidFile(s.dir + "/main.pid"))
        #expect(eventually { s.pid("n") == main && s.services()["n"]?["health"] as? String == "healthy" && s.state("slow") == "starting" })
        #expect(eventually { showJSON(s, "n")["status_text"] as? String == "serving 42" })
        return main
    }

    /// After the change: the same view, the process not replaced, the
    /// watchdog still judging, and a late `READY=1` still heard.
    func checkCarriedOver(_ s: Sandbox, main: Int32, before: [String], how: String) throws {
        #expect(view(s) == before, "after \(how)")
        #expect(alive(main))
        #expect(s.state("slow") == "starting", "after \(how)")
        #expect(s.events("n").filter { $0["type"] as? String == "start" }.count == 1)
        // A service that was not ready yet becomes ready with its READY=1.
        try s.write("", to: "go")
        #expect(eventually { s.state("slow") == "running" })
        // The pings stop: the watchdog (2 s) makes the service unhealthy and it is restarted.
        try s.write("", to: "quiet")
        #expect(eventually { s.events("n").contains { $0["type"] as? String == "unhealthy" } }, "after \(how)")
        #expect(eventually { s.events("n").contains { $0["type"] as? String == "exit" && $0["cause"] as? String == "unhealthy" } })
        #expect(eventually { !alive(main) })
    }

    @Test func upgradeKeepsWhatAServiceNotified() throws {
        let s = try Sandbox()
        try write(s)
        try s.startDaemon()
        let main = try settle(s)
        let before = view(s)
        #expect(s.run("upgrade").status == 0)
        try checkCarriedOver(s, main: main, before: before, how: "the upgrade")
        #expect(s.run("quit").status == 0)
    }

    @Test func theNextDaemonAfterAKillKeepsWhatAServiceNotified() throws {
        let s = try Sandbox()
        try write(s)
        try s.startDaemon()
        let main = try settle(s)
        let before = view(s)
        let daemon = try #require(s.daemonProcess).processIdentifier
        kill(daemon, SIGKILL)
        #expect(s.waitForDaemonExit() != nil)
        try s.startDaemon()
        #expect(s.events("n").contains { $0["type"] as? String == "adopted" && ($0["pid"] as? NSNumber)?.int32Value == main })
        try checkCarriedOver(s, main: main, before: before, how: "the kill")
        #expect(s.run("quit").status == 0)
    }
}
