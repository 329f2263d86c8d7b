import Foundation
import Testing

/// A fixture of the importer's unit tests.
private func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PPMImportTests/Fixtures/" + name).path
}

/// `ppm-lua import` as a user runs it: the translated config is what it prints.
@Suite struct ImportEndToEndTests {
    /// Imports `source` (written into the sandbox as `name`) into the sandbox's ppm.lua.
    private func importConfig(_ box: Sandbox, _ source: String, as name: String) throws -> Output {
        try box.write(source, to: name)
        let out = box.run("import", box.dir + "/" + name)
        #expect(out.status == 0, "\(out.stderr)")
        try box.write(out.stdout)
        return out
    }

    @Test func everyFixtureImportsAndPassesCheck() throws {
        let box = try Sandbox()
        box.env["LOG_LEVEL"] = "info"  // supervisord.conf's %(ENV_LOG_LEVEL)s
        let fixtures = [
            "pmtr.conf", "pmtr-manual.conf", "peter/simplest.xml", "peter/monitoring.xml", "peter/notification.xml",
            "peter/periodic.xml", "ppm.yml", "supervisord.conf", "ecosystem.json", "ecosystem.yaml",
            "Procfile", "systemd/app.service", "systemd",
        ]
        for name in fixtures {
            let out = box.run("import", fixture(name))
            #expect(out.status == 0, "\(name): \(out.stderr)")
            try box.write(out.stdout, to: "imported.lua")
            let check = box.run("check", box.dir + "/imported.lua")
            #expect(check.status == 0, "\(name): \(check.stderr)")
        }
    }

    @Test func untranslatedItemsAreListedWithTheirLine() throws {
        let box = try Sandbox()
        box.env["LOG_LEVEL"] = "info"
        let out = box.run("import", fixture("supervisord.conf"), "--from", "supervisord")
        #expect(out.status == 0)
        #expect(out.stderr.contains("ppm-lua: \(fixture("supervisord.conf")):33: not translated: umask=022"))
        #expect(out.stdout.contains("-- line 33: not translated: umask=022"))
    }

    @Test func pmtrExit33IsNotRestartedAndAQuickExitWaits() throws {
        let box = try Sandbox()
        _ = try importConfig(
            box,
            """
            job {
              name stopper
              cmd /bin/sh -c "exit 33"
            }
            job {
              name quick
              cmd /bin/sh -c "exit 1"
            }
            """, as: "pmtr.conf")
        try box.startDaemon()
        // pmtr: a job that ran under 10 s waits 10 s before it starts again.
        #expect(eventually { box.state("quick") == "waiting" && box.state("stopper") == "crashed" })
        #expect(!eventually(1.5) { times(box.events("stopper"), "start").count > 1 })
        #expect(box.state("stopper") == "crashed")
        #expect(box.services()["quick"]?["starts"] as? Int == 1)
    }

    @Test func peterExitActionsStartAndStopOtherPrograms() throws {
        let box = try Sandbox()
        let notified = box.dir + "/notified"
        _ = try importConfig(
            box,
            """
            <peter>
              <programs>
                <program name="main"><cmd>sleep 300</cmd></program>
                <program name="monitor">
                  <cmd>sh -c "sleep 0.5; exit 1"</cmd>
                  <actions><exit result="1"><stop name="main"/><start name="cleaner"/></exit></actions>
                </program>
                <program name="cleaner">
                  <cmd>true</cmd>
                  <init/>
                  <actions><exit result="0"><start name="main"/></exit></actions>
                </program>
                <program name="crasher">
                  <cmd>sleep 300</cmd>
                  <actions><exit signal="0"><start name="notify"/></exit></actions>
                </program>
                <program name="notify"><cmd>sh -c "echo NAME RES SIG >> \(notified)"</cmd><init/></program>
              </programs>
            </peter>
            """, as: "peter.xml")
        try box.startDaemon()
        // monitor exits 1: main is stopped and cleaner started; cleaner exits 0: main starts again.
        #expect(
            eventually {
                let s = box.services()
                return s["cleaner"]?["starts"] as? Int == 1 && s["main"]?["starts"] as? Int == 2 && s["main"]?["state"] as? String == "running"
            })
        #expect(box.state("monitor") == "crashed", "\(box.run("ls").stdout)\n\(box.run("events", "-n", "40").stdout)")
        #expect(box.events("main").contains { $0["type"] as? String == "stop" || $0["outcome"] as? String == "stopped" })
        // crasher killed by a signal: notify runs with the placeholders filled in.
        #expect(box.run("signal", "KILL", "crasher").status == 0)
        #expect(eventually { (try? String(contentsOfFile: notified, encoding: .utf8)) == "crasher 0 9\n" })
    }

    @Test func supervisordNumprocsRunsOneProcessEach() throws {
        let box = try Sandbox()
        _ = try importConfig(
            box,
            """
            [program:worker]
            command=/bin/sleep 300
            process_name=%(program_name)s_%(process_num)d
            numprocs=2
            """, as: "supervisord.conf")
        try box.startDaemon()
        #expect(eventually { box.state("worker_0") == "running" && box.state("worker_1") == "running" })
        let pids = [box.pid("worker_0"), box.pid("worker_1")].compactMap { $0 }
        #expect(pids.count == 2 && pids[0] != pids[1] && pids.allSatisfy(alive))
        #expect(box.run("stop", "@worker").status == 0)  // the program's processes form a group
        #expect(box.state("worker_0") == "stopped" && box.state("worker_1") == "stopped")
    }

    @Test func badInputsAreRefusedWithFileAndLine() throws {
        let box = try Sandbox()
        try box.write("job {\n  name a\n  cmd /bin/true\n  nice 40\n}\n", to: "bad.conf")
        let bad = box.run("import", box.dir + "/bad.conf")
        #expect(bad.status == 1 && bad.stdout.isEmpty)
        #expect(bad.stderr == "ppm-lua: \(box.dir)/bad.conf:4: 'nice' must be -20…19, got '40'\n")
        try box.write("job {\n  name a\n  cmd /bin/true\n  colour red\n}\n", to: "odd.conf")
        let odd = box.run("import", box.dir + "/odd.conf")
        #expect(odd.status == 0 && odd.stderr.contains("odd.conf:4: not translated: colour red"), "\(odd.stderr)")
        let js = box.run("import", box.dir + "/ecosystem.config.js")
        #expect(js.status == 1 && js.stderr.contains("export it as JSON"))
        let missing = box.run("import", box.dir + "/nope.xml")
        #expect(missing.status == 1 && missing.stderr.contains("nope.xml: no such file"))
        #expect(box.run("import", box.dir + "/bad.conf", "--from", "launchd").status == 64)
    }
}
