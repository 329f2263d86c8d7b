import Foundation
import Testing

/// Pids of the processes whose command line is exactly `command`.
func processes(_ command: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: raw, as: UTF8.self).split(separator: "\0").joined(separator: " ") == command && alive(pid)
    }
}

/// Live processes whose command line (arguments joined by spaces) contains `text`.
func processes(containing text: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
        guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: raw, as: UTF8.self).split(separator: "\0").joined(separator: " ").contains(text) && alive(pid)
    }
}

/// A daemon killed outright leaves its services running; the next one
/// adopts them (never a second copy, never one left unsupervised).
@Suite struct AdoptionTests {
    func killDaemon(_ box: Sandbox) throws {
        kill(try #require(box.daemonProcess).processIdentifier, SIGKILL)
        #expect(box.waitForDaemonExit() != nil)
    }

    /// A child a service started in a session of its own (`setsid`) has the
    /// service's marks: after a killed daemon it is not taken for a second
    /// copy of the service and ended. A removed service's such child is
    /// ended with it.
    @Test func aServicesSetsidChildIsNotTakenForASecondCopy() throws {
        let box = try Sandbox()
        let marker = "/bin/sleep 6\(getpid() % 1000)1"
        let web = #"ppm.service { name = "web", cmd = { "/bin/sh", "-c", "setsid \#(marker)2 & exec \#(marker)" } }"#
        let gone = #"ppm.service { name = "gone", cmd = { "/bin/sh", "-c", "setsid \#(marker)4 & exec \#(marker)3" } }"#
        try box.write(web + "\n" + gone + "\n")
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" && processes(marker + "2").count == 1 && processes(marker + "4").count == 1 })
        let webPid = try #require(box.pid("web"))
        let child = try #require(processes(marker + "2").first)
        let goneChild = try #require(processes(marker + "4").first)
        defer {
            kill(child, SIGKILL)
            kill(goneChild, SIGKILL)
        }
        try killDaemon(box)
        try box.write(web + "\n")
        try box.startDaemon()
        #expect(box.pid("web") == webPid)
        let log = (try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? ""
        #expect(!log.contains("ending 'web'"), "\(log)")
        #expect(alive(child))
        #expect(eventually(10) { !alive(goneChild) && processes(marker + "3").isEmpty })
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }

    @Test func theNextDaemonAdoptsWhatAKilledOneLeftRunning() throws {
        let box = try Sandbox()
        let marker = "/bin/sleep 7\(getpid() % 1000)1"
        try box.write(
            """
            ppm.settings { backoff = { interval = 0.1 } }
            ppm.service { name = "web", cmd = "\(marker)" }
            ppm.service { name = "pair", cmd = { "/bin/sh", "-c", "\(marker)2 & exec \(marker)3" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" && box.state("pair") == "running" })
        let web = try #require(box.pid("web"))
        let pair = try #require(box.pid("pair"))
        try killDaemon(box)
        #expect(alive(web) && alive(pair))
        try box.startDaemon()
        #expect(box.pid("web") == web && box.pid("pair") == pair)
        #expect(processes(marker).count == 1 && processes(marker + "3").count == 1)
        let adopted = box.events().filter { $0["type"] as? String == "adopted" }.compactMap { $0["name"] as? String }
        #expect(Set(adopted) == ["web", "pair"])
        // An adopted process that dies is seen (through its pidfd) and restarted by the policy.
        kill(web, SIGKILL)
        #expect(eventually { (box.pid("web") ?? web) != web && box.state("web") == "running" })
        let exit = box.events("web").last { $0["type"] as? String == "exit" }
        #expect(exit?["status"] as? String == "unknown" && exit?["outcome"] as? String == "crashed")
        // Stopping an adopted group reaches every member, and quit leaves nothing.
        #expect(box.run("stop", "pair").status == 0)
        #expect(processes(marker + "2").isEmpty && processes(marker + "3").isEmpty)
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
        #expect(processes(marker).isEmpty)
    }

    @Test func aServiceGoneFromTheConfigAndAGroupStillStoppingAreEnded() throws {
        let box = try Sandbox()
        let marker = "/bin/sleep 8\(getpid() % 1000)1"
        try box.write(
            """
            ppm.service { name = "old", cmd = "\(marker)" }
            ppm.service { name = "stubborn", stop_timeout = 60,
                          cmd = { "/bin/sh", "-c", "(trap '' TERM; exec \(marker)2) & exec \(marker)3" } }
            """)
        try box.startDaemon()
        #expect(eventually { processes(marker + "2").count == 1 && box.state("old") == "running" })
        // The leader ends on SIGTERM, its child ignores it: the stop drains for up to 60 s.
        let stopping = try box.launch(["stop", "stubborn"])
        #expect(eventually { processes(marker + "3").isEmpty })
        #expect(processes(marker + "2").count == 1)
        try killDaemon(box)
        stopping.waitUntilExit()
        try box.write(#"ppm.service { name = "stubborn", cmd = "/bin/true", autostart = false }"#)
        try box.startDaemon()
        #expect(eventually { processes(marker).isEmpty && processes(marker + "2").isEmpty })
    }

    /// A service that writes all the time survives the daemon's death (the
    /// fd holder keeps its pipe open), is adopted, and no line is lost or
    /// doubled, including those written while no daemon ran.
    @Test func capturedOutputSurvivesTheDaemonsDeath() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "chat", cmd = { "/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.01; done" } }
            """)
        try box.startDaemon()
        let log = box.dir + "/home/logs/chat.out.log"
        func ticks() -> [Int] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int($0.split(separator: " ").last ?? "") }
        }
        #expect(eventually { ticks().count > 10 })
        let pid = try #require(box.pid("chat"))
        try killDaemon(box)
        usleep(300_000)
        #expect(alive(pid))
        try box.startDaemon()
        #expect(box.pid("chat") == pid)
        let before = ticks().count
        #expect(eventually { ticks().count > before + 20 })
        let seen = ticks()
        #expect(seen == Array(1...seen.count))
        let holder = box.dir + "/home/fdholder.sock"
        let holderCommand = (binary as NSString).deletingLastPathComponent + "/ppm-lua-fdholder " + holder + " 600"
        #expect(processes(holderCommand).count == 1)
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
        #expect(eventually { processes(holderCommand).isEmpty })
    }

    /// `ppm-lua upgrade` re-executes the daemon in place: same pid, every
    /// service kept as it was (processes, stopped and crashed ones, counters,
    /// run-time services), captured output uninterrupted.
    @Test func upgradeKeepsEveryServiceAsItWas() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "chat", cmd = { "/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.01; done" } }
            ppm.service { name = "held", cmd = "/bin/sleep 1000" }
            ppm.service { name = "dies", cmd = { "/bin/sh", "-c", "exit 3" }, restart = "never" }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("dies") == "crashed" && box.state("held") == "running" })
        #expect(box.run("stop", "held").status == 0)
        #expect(box.run("restart", "chat").status == 0)
        #expect(box.run("add", "--name", "extra", "--", "/bin/sleep", "1000").status == 0)
        #expect(eventually { box.state("extra") == "running" && box.state("chat") == "running" })
        let before = box.services()
        let daemonPid = try #require(box.daemonProcess).processIdentifier
        let upgrade = box.run("upgrade")
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        #expect(upgrade.stdout.contains("pid \(daemonPid)"))
        let after = box.services()
        for name in ["chat", "held", "dies", "extra"] {
            for key in ["state", "pid", "starts", "restarts"] {
                #expect("\(after[name]?[key] ?? "nil")" == "\(before[name]?[key] ?? "nil")", "\(name).\(key)")
            }
        }
        #expect((after["dies"]?["last_exit"] as? [String: Any])?["result"] as? Int == 3)
        let restarted = box.events().filter { $0["type"] as? String == "daemon_restarted" }
        #expect(restarted.count == 1 && restarted.first?["cause"] as? String == "upgrade")
        // Still the daemon's children: a kill comes back with its real status.
        let chat = try #require(box.pid("chat"))
        kill(chat, SIGKILL)
        #expect(eventually { box.events("chat").contains { $0["type"] as? String == "exit" && $0["signal"] as? Int == 9 } })
        let log = box.dir + "/home/logs/chat.out.log"
        let ticks = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map { String($0) }
        // Two runs (before and after the restart request), each without a gap.
        var runs: [[Int]] = []
        for t in ticks.compactMap({ Int($0.split(separator: " ").last ?? "") }) {
            if t == 1 || runs.isEmpty { runs.append([]) }
            runs[runs.count - 1].append(t)
        }
        for run in runs { #expect(run == Array(1...run.count)) }
    }

    /// A service waiting for a delayed restart across `ppm-lua upgrade`
    /// restarts when it was due, not at once in the new image.
    @Test func upgradeKeepsADelayedRestartAtItsDeadline() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "flaky", cmd = { "/bin/sh", "-c", "exit 1" },
                          on_exit = function(ev) return { action = "restart", after = 3 } end }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("flaky") == "waiting" })
        let exit = try #require(box.events("flaky").last { $0["type"] as? String == "exit" })
        let exitTime = try #require(exit["time"] as? Double)
        #expect(box.run("upgrade").status == 0)
        let after = try #require(box.services()["flaky"])
        #expect(after["state"] as? String == "waiting")
        #expect(after["starts"] as? Int == 1)
        let left = try #require(after["starts_in"] as? Double)
        #expect(left > 0 && left < 3)
        #expect(eventually(10) { box.events("flaky").filter { $0["type"] as? String == "start" }.count == 2 })
        let restart = try #require(box.events("flaky").last { $0["type"] as? String == "start" })
        let delay = try #require(restart["time"] as? Double) - exitTime
        // Not before it was due (a slow machine may start it a little late).
        #expect(delay >= 2.9 && delay < 10, "restarted \(delay) s after the exit")
    }

    /// `ppm.spawn` helpers running across `ppm-lua upgrade`: their output
    /// pipes stay open (a helper writing afterwards does not die of
    /// SIGPIPE), their timeouts still end them, and `quit` ends the rest;
    /// their `on_exit` (a Lua function of the old image) cannot run, and
    /// each loss is journaled as a `hook_error` when the helper ends.
    @Test func upgradeKeepsSpawnHelpersAndJournalsTheirLostCallbacks() throws {
        let box = try Sandbox()
        let tag = "helper-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try box.write("ppm.service { name = \"web\", cmd = \"/bin/sleep 1000\" }\n")
        try box.startDaemon()
        // Each writes a line every 0.1 s: it would die of SIGPIPE if its pipe were closed.
        let spawn = { (n: Int, options: String) in
            box.run(
                "eval",
                "ppm.spawn({ '/bin/sh', '-c', 'while true; do echo tick; sleep 0.1; done', '\(tag)-\(n)' }, "
                    + "{ \(options) on_exit = function(ev) ppm.log('on_exit ran') end })"
            ).status
        }
        let helper = { (n: Int) in processes(containing: "\(tag)-\(n)") }
        #expect(spawn(1, "") == 0)
        #expect(spawn(2, "timeout = 3,") == 0)
        #expect(spawn(3, "") == 0)
        // Without on_exit nothing is lost: its end is not journaled.
        #expect(box.run("eval", "ppm.spawn({ '/bin/sh', '-c', 'while true; do echo tick; sleep 0.1; done', '\(tag)-4' })").status == 0)
        #expect(eventually { (1...4).allSatisfy { helper($0).count == 1 } })
        let third = helper(3)
        #expect(box.run("upgrade").status == 0)
        let lost = { box.events().filter { ($0["error"] as? String)?.contains("its on_exit was not called") == true } }
        // The first one ends on request, the second by its timeout (3 s after it started).
        kill(try #require(helper(4).first), SIGTERM)
        let first = try #require(helper(1).first, "\((try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? "")")
        kill(first, SIGTERM)
        #expect(eventually { lost().count == 2 })
        let messages = lost().compactMap { $0["error"] as? String }
        #expect(messages.contains { $0.contains("(pid \(first)) ended (SIGTERM) after the daemon re-executed") }, "\(messages)")
        #expect(messages.contains { $0.contains("was ended by its timeout") }, "\(messages)")
        #expect(!messages.contains { $0.contains("\(tag)-4") } && helper(4).isEmpty)
        #expect(helper(2).isEmpty)
        // The third kept writing after the upgrade and still runs, until quit.
        #expect(helper(3) == third)
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
        #expect(helper(3).isEmpty)
        let log = (try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? ""
        #expect(!log.contains("on_exit ran"))
    }

    /// A Lua call the budget cannot stop (here a long C function: the count
    /// hook never runs inside table.sort) outlives the watchdog's limit: the
    /// daemon re-executes itself and keeps every service.
    @Test func theWatchdogReExecutesAStuckDaemonAndKeepsTheServices() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { watchdog = "0.2s" }
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        let web = try #require(box.pid("web"))
        let stuck = box.run("eval", "local t = {} for i = 1, 2000000 do t[i] = (i * 7919) % 1000003 end table.sort(t) return #t")
        #expect(stuck.status != 0)
        #expect(eventually { box.events().contains { ($0["cause"] as? String)?.hasPrefix("watchdog") == true } })
        #expect(box.pid("web") == web)
        #expect(box.run("status").status == 0)
        #expect(try #require(box.daemonProcess).isRunning)
    }
}
