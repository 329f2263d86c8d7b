import Foundation
import Testing

/// Live config reload (SPEC 8): only the difference is applied.
@Suite struct ReloadEndToEndTests {
    static let before = """
        ppm.service { name = "same", cmd = "/bin/sleep 1000" }
        ppm.service { name = "edited", cmd = "/bin/sleep 1000" }
        ppm.service { name = "gone", cmd = "/bin/sleep 1000" }
        ppm.service { name = "hooked", cmd = "/bin/sh -c 'sleep 0.2; exit 3'", restart = "never",
          on_exit = function(e) ppm.log("info", "old hook") end }
        """
    static let after = """
        -- a comment moves every line down: unchanged services stay unchanged
        ppm.service { name = "same", cmd = "/bin/sleep 1000" }
        ppm.service { name = "edited", cmd = "/bin/sleep 2000" }
        ppm.service { name = "new", cmd = "/bin/sleep 1000" }
        ppm.service { name = "hooked", cmd = "/bin/sh -c 'sleep 0.2; exit 3'", restart = "never",
          on_exit = function(e) ppm.log("info", "new hook") end }
        """

    @Test func reloadCommandAppliesOnlyTheDifference() throws {
        let box = try Sandbox()
        try box.write(Self.before)
        try box.startDaemon()
        #expect(eventually { box.state("hooked") == "crashed" })
        let same = try #require(box.pid("same"))
        let edited = try #require(box.pid("edited"))
        let gone = try #require(box.pid("gone"))
        #expect(box.run("add", "--name", "runtime", "--", "/bin/sleep", "1000").status == 0)

        try box.write(Self.after)
        let reload = box.run("reload")
        #expect(reload.status == 0)
        // The daemon may have seen the save first: then `reload` finds nothing left to do.
        #expect(["added: new\nremoved: gone\nchanged: edited, hooked\n", "added: -\nremoved: -\nchanged: -\n"].contains(reload.stdout))
        #expect(eventually { box.pid("new") != nil && box.services()["gone"] == nil && !alive(gone) })
        #expect(eventually { box.pid("edited").map { $0 != edited } ?? false })
        #expect(box.pid("same") == same)
        #expect(box.state("runtime") == "running")
        let configs = box.events().filter { $0["type"] as? String == "config" }.dropFirst()  // the first: daemon start
        let config = try #require(configs.first { !($0["added"] as? [String] ?? []).isEmpty })
        #expect(configs.count { !($0["added"] as? [String] ?? []).isEmpty } == 1)
        #expect(config["added"] as? [String] == ["new"])
        #expect(config["removed"] as? [String] == ["gone"])
        #expect(config["changed"] as? [String] == ["edited", "hooked"])

        // The changed hook is the new state's: start "hooked" again and see which one runs.
        #expect(box.run("start", "hooked").status == 0)
        let log = { (try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? "" }
        #expect(eventually { log().contains("new hook") })
        #expect(log().components(separatedBy: "old hook").count == 2)  // only the first run
    }

    /// A config service removed with `rm` comes back at the next reload, as
    /// supervisord's `update` brings it back (issue #24 item 3).
    @Test func aConfigServiceRemovedWithRmComesBackAtReload() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        #expect(box.run("rm", "web").status == 0)
        #expect(box.state("web") == nil)
        let reload = box.run("reload")
        #expect(reload.status == 0 && reload.stdout.contains("added: web"), "\(reload.stdout)")
        #expect(eventually { box.state("web") == "running" })
    }

    @Test func brokenConfigKeepsEverythingAndReloadSaysWhere() throws {
        let box = try Sandbox()
        try box.write(Self.before)
        try box.startDaemon()
        let same = try #require(box.pid("same"))
        try box.write("ppm.service { name = \"same\", cmd = \"/bin/sleep 1000\" }\nppm.service { name = }\n")
        let reload = box.run("reload")
        #expect(reload.status == 1)
        #expect(reload.stderr.contains("ppm.lua:2:"))
        #expect(box.pid("same") == same)
        #expect(box.state("gone") == "running")
        let error = try #require(box.events().last { $0["type"] as? String == "config_error" })
        #expect((error["error"] as? String)?.contains("ppm.lua:2:") == true)

        try box.write(
            "ppm.service { name = \"a\", cmd = \"/bin/true\", requires = { \"b\" } }\n"
                + "ppm.service { name = \"b\", cmd = \"/bin/true\", requires = { \"a\" } }\n")
        let cycle = box.run("reload")
        #expect(cycle.status == 1)
        #expect(cycle.stderr.contains("requires cycle: a → b → a"))
        let check = box.run("check", box.config)
        #expect(check.status == 1)
        #expect(check.stderr.contains("requires cycle: a → b → a"))
        #expect(box.pid("same") == same)
    }

    /// A reload that removes a `requires` starts the service that waited for it (#24 item 4).
    @Test func aReloadRemovingARequiresStartsTheWaitingService() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "db", cmd = "/bin/sleep 1000", autostart = false }
            ppm.service { name = "web", cmd = "/bin/sleep 1000", requires = { "db" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "waiting" })
        try box.write(
            """
            ppm.service { name = "db", cmd = "/bin/sleep 1000", autostart = false }
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            """)
        #expect(box.run("reload").status == 0)
        #expect(eventually { box.state("web") == "running" })
        #expect(box.state("db") == "stopped")
    }

    /// `status` says that the last reload failed, where and when, until a reload succeeds.
    @Test func statusShowsTheLastFailedReloadUntilAGoodOne() throws {
        let box = try Sandbox()
        try box.write(Self.before)
        try box.startDaemon()
        #expect(!box.run("status").stdout.contains("reload failed"))
        try box.write("ppm.service { name = \"same\", cmd = \"/bin/sleep 1000\" }\nppm.service { name = }\n")
        #expect(box.run("reload").status == 1)
        let status = box.run("status").stdout
        let line = status.split(separator: "\n").first { $0.contains("last reload failed at ") }
        #expect(line?.contains(#/last reload failed at 20\d\d-\d\d-\d\dT[0-9:.]+Z: .*ppm\.lua:2: /#) == true, "\(status)")
        let json = box.run("status", "--json").stdout
        #expect(json.contains(#""reload_error":{"#) && json.contains("ppm.lua:2:"), "\(json)")
        try box.write(Self.before)
        #expect(box.run("reload").status == 0)
        #expect(!box.run("status").stdout.contains("reload failed"))
        #expect(box.run("status", "--json").stdout.contains(#""reload_error":null"#))
    }

    @Test func sighupAndPpmReloadReload() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "a", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        let daemon = try #require(box.daemonProcess)
        try box.write(#"ppm.service { name = "a", cmd = "/bin/sleep 1000" } ppm.service { name = "b", cmd = "/bin/sleep 1000" }"#)
        kill(daemon.processIdentifier, SIGHUP)
        #expect(eventually { box.state("b") == "running" })
        try box.write(#"ppm.service { name = "b", cmd = "/bin/sleep 1000" }"#)
        #expect(box.run("eval", "ppm.reload()").status == 0)
        #expect(eventually { box.services()["a"] == nil })
        #expect(box.state("b") == "running")
    }

    @Test func savingTheConfigInPlaceOrByRenameReloads() throws {
        let box = try Sandbox()
        try box.write(Self.before)
        try box.startDaemon()
        let same = try #require(box.pid("same"))
        let edited = try #require(box.pid("edited"))
        try Self.after.write(toFile: box.config, atomically: false, encoding: .utf8)  // in place
        #expect(eventually { box.pid("new") != nil && box.services()["gone"] == nil })
        #expect(eventually { box.pid("edited").map { $0 != edited } ?? false })
        #expect(box.pid("same") == same)

        try box.write(Self.after + "ppm.service { name = \"renamed\", cmd = \"/bin/sleep 1000\" }\n")  // by rename
        #expect(eventually { box.state("renamed") == "running" })
        #expect(box.pid("same") == same)
    }

    @Test func savingTheTargetOfASymlinkedConfigReloads() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(atPath: box.dir + "/etc", withIntermediateDirectories: true)
        try box.write(#"ppm.service { name = "a", cmd = "/bin/sleep 1000" }"#, to: "etc/real.lua")
        try FileManager.default.createSymbolicLink(atPath: box.config, withDestinationPath: box.dir + "/etc/real.lua")
        try box.startDaemon()
        try #"ppm.service { name = "b", cmd = "/bin/sleep 1000" }"#.write(toFile: box.dir + "/etc/real.lua", atomically: true, encoding: .utf8)
        #expect(eventually { box.state("b") == "running" && box.services()["a"] == nil })
    }

    @Test func savingAModuleTheConfigRequiredReloads() throws {
        let box = try Sandbox()
        try box.write(#"return { cmd = "/bin/sleep 1000" }"#, to: "common.lua")
        try box.write(#"ppm.service { name = "a", cmd = require("common").cmd }"#)
        try box.startDaemon()
        let first = try #require(box.pid("a"))
        try box.write(#"return { cmd = "/bin/sleep 2000" }"#, to: "common.lua")
        #expect(eventually { box.pid("a").map { $0 != first } ?? false })
        let pid = try #require(box.pid("a"))
        #expect(try String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8).contains("2000"))
    }
}

/// `requires` holds both ways: dependents start after and stop before.
@Suite struct RequiresEndToEndTests {
    /// `check` says that a service requiring a `once` job waits for its success (#24 item 2).
    @Test func checkNotesThatRequiringAOnceJobWaitsForItsSuccess() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "migrate", cmd = "/bin/true", once = true }
            ppm.service { name = "web", cmd = "/bin/sleep 1000", requires = { "migrate" } }
            ppm.service { name = "side", cmd = "/bin/sleep 1000", requires = { migrate = "started" } }
            """)
        let out = box.run("check", box.config)
        #expect(out.status == 0)
        #expect(out.stdout.contains("note: 'web' requires 'migrate', a once job: it starts once migrate has exited 0"), "\(out.stdout)")
        #expect(!out.stdout.contains("note: 'side'"))
        try box.startDaemon()
        #expect(eventually { box.state("migrate") == "finished" && box.state("web") == "running" })
        #expect(box.run(["stop", "web"], deadline: 30)?.status == 0)
        #expect(box.run(["start", "web"], deadline: 30)?.status == 0)
        #expect(eventually { box.state("web") == "running" })
    }

    @Test func stoppingARequiredServiceStopsItsDependentsFirst() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "db", cmd = "/bin/sleep 1000" }
            ppm.service { name = "app", cmd = "/bin/sleep 1000", requires = { "db" } }
            ppm.service { name = "web", cmd = "/bin/sleep 1000", requires = { "app" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        let stop = box.run("stop", "db")
        #expect(stop.status == 0)
        #expect(box.state("db") == "stopped")
        #expect(box.state("app") == "stopped")
        #expect(box.state("web") == "stopped")
        let order = box.events().filter { ["stop", "exit"].contains($0["type"] as? String) }
            .map { "\($0["type"]!) \($0["name"]!)" }
        #expect(order == ["stop web", "exit web", "stop app", "exit app", "stop db", "exit db"])

        // A reload that removes db (and app with it) stops app first.
        #expect(box.run("start", "db", "app").status == 0)
        #expect(eventually { box.state("app") == "running" })
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#)
        #expect(eventually { box.services()["db"] == nil && box.services()["app"] == nil })
        let last = box.events().filter { ["stop", "exit"].contains($0["type"] as? String) }.suffix(4)
            .map { "\($0["type"]!) \($0["name"]!)" }
        #expect(last == ["stop app", "exit app", "stop db", "exit db"])
    }

    @Test func showSaysWhatAWaitingServiceWaitsFor() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "db", cmd = "/bin/sleep 1000", autostart = false }
            ppm.service { name = "app", cmd = "/bin/sleep 1000", requires = { "db" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("app") == "waiting" })
        #expect(box.run("show", "app").stdout.contains("waiting (waiting for db to run)"))
        #expect(box.run("start", "db").status == 0)
        #expect(eventually { box.state("app") == "running" })
    }
}

/// `depends`: a service restarts when the content of what it depends on changes.
@Suite struct DependsEndToEndTests {
    @Test func contentChangesAndNewMatchesRestartEqualWritesDoNot() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(atPath: box.dir + "/src/deep", withIntermediateDirectories: true)
        try box.write("one", to: "proxy.cfg")
        try box.write("print(1)", to: "src/deep/a.py")
        try box.write(
            """
            ppm.service { name = "proxy", cmd = "/bin/sleep 1000", depends = { "proxy.cfg" } }
            ppm.service { name = "app", cmd = "/bin/sleep 1000", depends = { "src/**/*.py", "nothing/*.x" } }
            """)
        let check = box.run("check", box.config)
        #expect(check.status == 0)
        #expect(check.stderr.contains("service 'app': depends pattern '\(box.dir)/nothing/*.x' matches no file"))
        try box.startDaemon()
        let proxy = try #require(box.pid("proxy"))
        let app = try #require(box.pid("app"))

        // A write leaving the content equal, and a file no pattern matches: no restart.
        try "one".write(toFile: box.dir + "/proxy.cfg", atomically: false, encoding: .utf8)
        try box.write("not python", to: "src/deep/b.txt")
        usleep(1_500_000)  // past the 1 s debounce: nothing may have happened
        #expect(box.pid("proxy") == proxy)
        #expect(box.pid("app") == app)

        try box.write("two", to: "proxy.cfg")
        #expect(eventually { box.pid("proxy").map { $0 != proxy } ?? false })
        #expect(box.pid("app") == app)

        // A new match in a new folder under `**`.
        try FileManager.default.createDirectory(atPath: box.dir + "/src/new", withIntermediateDirectories: true)
        try box.write("print(2)", to: "src/new/b.py")
        #expect(eventually { box.pid("app").map { $0 != app } ?? false })
        #expect(box.events("proxy").count { $0["type"] as? String == "start" } == 2)
    }
}
