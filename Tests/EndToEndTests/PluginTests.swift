import Foundation
import TestProcesses
import Testing

/// The bundled plugins in a running daemon, found by `require` with no setup.
@Suite struct PluginEndToEndTests {
    /// The delay between each exit and the start after it.
    func gaps(_ box: Sandbox, _ name: String) -> [Double] {
        let events = box.events(name)
        let starts = times(events, "start")
        let exits = times(events, "exit")
        return zip(exits, starts.dropFirst()).map { $1 - $0 }
    }

    @Test func pmtrLeavesExit33DownAndDelaysAQuickExit() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "done", cmd = { "/bin/sh", "-c", "exit 33" }, restart = require("pmtr"){} }
            ppm.service { name = "quick", cmd = { "/bin/sh", "-c", "exit 0" },
                          restart = require("pmtr"){ min_runtime = 10, delay = 1 } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("done") == "crashed" })
        #expect(eventually(30) { times(box.events("quick"), "start").count >= 3 })
        #expect(times(box.events("done"), "start").count == 1)
        for gap in gaps(box, "quick").prefix(2) { #expect(gap >= 0.95 && gap < 1.6, "delay \(gap)") }
    }

    @Test func limitGoesFatal() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "flap", cmd = { "/bin/sh", "-c", "exit 1" },
                          restart = require("limit"){ restarts = 2, within = 60, policy = require("periodic"){ every = 0.1 } } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("flap") == "fatal" })
        #expect(times(box.events("flap"), "start").count == 3)
        #expect(box.events("flap").last?["type"] as? String == "fatal")
    }

    @Test func periodicRunsAfterStartAfterThenEveryInterval() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "status", cmd = { "/bin/sh", "-c", "exit 0" }, start_after = "600ms",
                          restart = require("periodic"){ every = 1 } }
            """)
        let launched = Date().timeIntervalSince1970
        try box.startDaemon()
        #expect(eventually { times(box.events("status"), "start").count >= 3 })
        let first = try #require(times(box.events("status"), "start").first)
        #expect(first - launched >= 0.6)
        for gap in gaps(box, "status").prefix(2) { #expect(gap >= 0.95 && gap < 1.6, "period \(gap)") }
    }

    @Test func cronStartsAtTheNextMinuteBoundaryNotAtDaemonStart() throws {
        let box = try Sandbox()
        // The injected clock puts the daemon 2 s before a minute boundary; the expression names
        // only the minute that boundary begins (the current minute is not due, so no start now).
        try box.write(
            """
            local offset = 58 - os.time() % 60
            local next_minute = os.date("*t", os.time() + offset + 2).min
            ppm.service { name = "job", cmd = { "/bin/sh", "-c", "exit 0" },
                          restart = require("cron"){ next_minute .. " * * * *", clock = function() return os.time() + offset end } }
            """)
        try box.startDaemon()
        #expect(box.state("job") == "waiting")
        #expect(eventually(6) { box.services()["job"]?["starts"] as? Int == 1 })
        #expect(eventually { box.state("job") == "waiting" })  // till the next minute
        #expect(box.services()["job"]?["starts"] as? Int == 1)
    }

    @Test func reportSendsStatusDatagrams() throws {
        let probe = try UDPProbe()
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            ppm.service { name = "off", cmd = "/bin/sleep 1000", autostart = false }
            require("report"){ to = "udp://127.0.0.1:\(probe.port)", every = 0.3 }
            """)
        try box.startDaemon()
        var reports: [String] = []
        #expect(
            eventually {
                if let r = probe.receive(within: 5) { reports.append(r) }
                return reports.count >= 3 && reports.last!.contains("web enabled running")
            })
        let lines = reports.last!.split(separator: "\n")
        #expect(lines.first?.hasPrefix("ppm-lua ") == true)
        #expect(lines.first?.hasSuffix(" 2") == true)
        #expect(lines.contains("off disabled stopped 0"))
    }

    @Test func listenDisablesAndEnablesAJob() throws {
        let port = try UDPProbe.freePort()
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            require("listen"){ on = "udp://127.0.0.1:\(port)" }
            """)
        try box.startDaemon()
        #expect(box.state("web") == "running")
        UDPProbe.send("disable web\n", to: port)
        #expect(eventually { box.state("web") == "stopped" })
        UDPProbe.send("enable web", to: port)
        #expect(eventually { box.state("web") == "running" })
        UDPProbe.send("disable nope", to: port)
        #expect(eventually { (try? String(contentsOfFile: box.daemonLog, encoding: .utf8))?.contains("unknown service 'nope'") == true })
        #expect(box.run("status").status == 0)
    }

    @Test func notifyAndExecHooksRunCommandsWithTheEvent() throws {
        let box = try Sandbox()
        try box.write(
            """
            require("notify"){ cmd = { "/bin/sh", "-c", "echo 'NAME RES SIG' >> \(box.dir)/notified" }, on = { "crash" }, services = "bad" }
            require("exec_hooks"){ on_restart = "\(box.dir)/hook.sh", on_failure = "\(box.dir)/hook.sh" }
            ppm.service { name = "bad", cmd = { "/bin/sh", "-c", "exit 3" }, once = true }
            ppm.service { name = "again", cmd = { "/bin/sh", "-c", "sleep 0.2; exit 1" },
                          restart = require("limit"){ restarts = 1, policy = require("periodic"){ every = 0.1 } } }
            """)
        try box.write("#!/bin/sh\necho \"$1\" >> \(box.dir)/hooked\n", to: "hook.sh")
        chmod(box.dir + "/hook.sh", 0o755)
        try box.startDaemon()
        #expect(eventually { (try? String(contentsOfFile: box.dir + "/notified", encoding: .utf8)) == "bad 3 0\n" })
        #expect(eventually { box.state("again") == "fatal" })
        let hooked: () -> [[String: Any]] = {
            ((try? String(contentsOfFile: box.dir + "/hooked", encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        // bad fails (once), again restarts once and then fails (fatal).
        #expect(eventually { hooked().count == 3 })
        let seen = hooked().map { "\($0["name"] ?? "") \($0["state"] ?? "")" }.sorted()
        #expect(seen == ["again fatal", "again running", "bad crashed"])
    }
}

@Suite struct PluginSearchEndToEndTests {
    /// The source tree (for its plugins/ folder).
    static let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func bundledPluginsAreFoundAfterBuildAndAfterInstallWithNoVariables() throws {
        let box = try Sandbox()
        box.env["PPM_LUA_PATH"] = nil
        box.env["HOME"] = box.dir
        try box.write(#"ppm.service { name = "a", cmd = "/bin/true", restart = require("cron"){ "@daily" } }"#, to: "elsewhere.lua")
        let built = box.run("check", box.dir + "/elsewhere.lua")
        #expect(built.status == 0, "\(built.stderr)")

        // The layout scripts/install.sh makes: PREFIX/bin and PREFIX/share/ppm-lua/plugins.
        let prefix = box.dir + "/prefix"
        let fm = FileManager.default
        try fm.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: prefix + "/share/ppm-lua", withIntermediateDirectories: true)
        try fm.copyItem(atPath: binary, toPath: prefix + "/bin/ppm-lua")
        try fm.copyItem(atPath: Self.tree.appendingPathComponent("plugins").path, toPath: prefix + "/share/ppm-lua/plugins")
        try box.write("return function() return 'from the install' end", to: "prefix/share/ppm-lua/plugins/marker.lua")
        try box.write(#"print(require("marker")()) require("backoff")"#, to: "installed.lua")
        let p = TestProcess()
        p.executableURL = URL(fileURLWithPath: prefix + "/bin/ppm-lua")
        p.arguments = ["check", box.dir + "/installed.lua"]
        p.environment = box.env
        p.currentDirectoryURL = URL(fileURLWithPath: "/")
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(text.contains("from the install"))
    }
}

@Suite struct PolicyTestCommandEndToEndTests {
    @Test func passingAndFailingExpectationsAndAReplayedJournal() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "web", cmd = "/bin/sleep 100" }
            ppm.service { name = "job", cmd = "/bin/true", restart = require("pmtr"){} }
            """)
        try box.write(
            """
            load_config("ppm.lua")
            expect(require("pmtr"){}, { result = 33, runtime = 50 }).to_be("stop")
            expect("web", { result = 1, crashes = 3 }).to_be({ action = "restart", after = 4 })
            expect("job", { result = 0, runtime = 2 }).to_be({ action = "restart", after = 10 })
            """, to: "pass.lua")
        let pass = box.run("test", "pass.lua")
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
        #expect(pass.stdout.hasSuffix("3 expectations, 0 failed\n"))
        #expect(pass.stdout.contains("ok    pass.lua:3: restart after 4"))

        try box.write(
            """
            load_config("ppm.lua")
            expect("job", { result = 33 }).to_be("restart")
            """, to: "fail.lua")
        let fail = box.run("test", "fail.lua")
        #expect(fail.status == 1)
        #expect(fail.stdout.contains("FAIL  fail.lua:2: expected restart, got stop"))

        try box.write(
            """
            {"seq":1,"type":"exit","name":"web","result":1,"runtime":0.5,"crashes":2,"outcome":"crashed","utc":"2026-11-23T10:00:00.000Z","time":1}
            {"seq":2,"type":"start","name":"web","time":2}
            {"seq":3,"type":"exit","name":"job","result":33,"runtime":20,"crashes":1,"outcome":"crashed","utc":"2026-11-23T10:00:01.000Z","time":2}
            """, to: "events.jsonl")
        let replay = box.run("test", "ppm.lua", "--events", "events.jsonl")
        #expect(replay.status == 0)
        let lines = replay.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.hasSuffix("->  restart after 2") == true)
        #expect(lines.dropLast().last?.hasSuffix("->  stop") == true)
        #expect(lines.last == "0 expectations, 0 failed; 2 exits replayed, 0 failed")
        #expect(box.run("test", "missing.lua").status == 1)
    }
}
