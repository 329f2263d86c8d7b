import Foundation
import Testing

/// The examples in scripts/examples: each loads, and the seed manuals'
/// scenarios run end to end with their timings scaled down.
@Suite struct ExampleEndToEndTests {
    static let folder = PluginSearchEndToEndTests.tree.appendingPathComponent("scripts/examples").path

    /// A sandbox whose ppm.lua is the example (and its helper folders), time scaled by `scale`.
    func sandbox(_ example: String, scale: Double, env: [String: String] = [:]) throws -> Sandbox {
        let box = try Sandbox()
        try FileManager.default.removeItem(atPath: box.dir)
        try FileManager.default.copyItem(atPath: Self.folder, toPath: box.dir)
        try FileManager.default.copyItem(atPath: box.dir + "/" + example, toPath: box.config)
        box.env["EXAMPLE_TIME_SCALE"] = String(scale)
        for (k, v) in env { box.env[k] = v }
        return box
    }

    func file(_ box: Sandbox, _ name: String) -> String {
        (try? String(contentsOfFile: box.dir + "/home/" + name, encoding: .utf8)) ?? ""
    }

    @Test func everyExampleLoads() throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".lua") }
        #expect(examples.count >= 9)
        let box = try Sandbox()
        for example in examples {
            let out = box.run("check", Self.folder + "/" + example)
            #expect(out.status == 0, "\(example): \(out.stderr)")
            let text = try String(contentsOfFile: Self.folder + "/" + example, encoding: .utf8)
            #expect(text.hasPrefix("-- \(example): "), "\(example) starts with a header naming it")
            #expect(text.contains("Run it:"), "\(example) says how to run it")
        }
    }

    @Test func peterMonitoringStopsTheProgramCleansAndStartsAgain() throws {
        let box = try sandbox("peter-monitoring.lua", scale: 0.05, env: ["DISK_LIMIT": "0"])
        try box.startDaemon()
        #expect(eventually { times(box.events("diskcleaner"), "exit").count >= 2 })
        let events = box.events(n: 400).map { "\($0["type"] ?? "") \($0["name"] ?? "")" }
        let cycle = ["exit diskspace", "stop p1", "start diskcleaner", "exit diskcleaner", "start p1", "start diskspace"]
        var at = events.firstIndex(of: cycle[0]) ?? events.count
        for step in cycle.dropFirst() {
            let next = events[at...].firstIndex(of: step)
            #expect(next != nil, "\(step) after \(events[at]) in \(events)")
            at = next ?? at
        }
    }

    @Test func peterCrashNotificationRestartsAndNotifies() throws {
        let box = try sandbox("peter-crash-notification.lua", scale: 0.02)
        try box.startDaemon()
        #expect(eventually { file(box, "notifications.log").split(separator: "\n").count >= 2 })
        let line = try #require(file(box, "notifications.log").split(separator: "\n").first)
        #expect(line.hasSuffix(":Program P1 failed (2/0)."), "\(line)")
        #expect(line.hasPrefix(String(Calendar(identifier: .gregorian).component(.year, from: Date()))))
        #expect(times(box.events("P1"), "start").count >= 2)
    }

    @Test func peterPeriodicStatusAndSimplestRestart() throws {
        let box = try sandbox("peter-periodic-status.lua", scale: 0.01)
        try box.startDaemon()
        #expect(eventually { times(box.events("PeriodicStatus"), "start").count >= 3 })
        let simplest = try sandbox("peter-simplest.lua", scale: 0.005)
        try simplest.startDaemon()
        #expect(eventually { times(simplest.events("p1"), "start").count >= 3 })
    }

    @Test func pmtrJobsWaitForTheSetupJobAndHonourExit33() throws {
        let box = try sandbox("pmtr-jobs.lua", scale: 1)
        box.env["TMPDIR"] = box.dir
        try box.startDaemon()
        #expect(eventually { box.state("rest_server") == "running" && box.state("one-and-done") == "crashed" })
        let events = box.events()
        func seq(_ type: String, _ name: String) -> Int {
            events.first { $0["type"] as? String == type && $0["name"] as? String == name }?["seq"] as? Int ?? -1
        }
        #expect(seq("exit", "create-ramdisk") >= 0 && seq("exit", "create-ramdisk") < seq("start", "rest_server"))
        #expect(box.state("create-ramdisk") == "finished")
        #expect(box.state("old-job") == "disabled")
        #expect(times(box.events("one-and-done"), "start").count == 1)
        let pid = try #require(box.pid("trends"))
        let environ = try String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8)
        #expect(environ.split(separator: "\0").contains("DEBUG=1"))
    }

    @Test func pmon3HooksGetTheProcessJSON() throws {
        let box = try sandbox("pmon3-hooks.lua", scale: 0.1)
        try box.startDaemon()
        #expect(
            eventually(30) { box.state("gin") == "fatal" && box.state("job") == "crashed" },
            "gin \(box.state("gin") ?? "-"), job \(box.state("job") ?? "-"), daemon running \(box.daemonProcess?.isRunning ?? false) status \(box.daemonProcess.map { $0.isRunning ? 0 : $0.terminationStatus } ?? -1): \((try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? "")"
        )
        #expect(eventually { file(box, "pmon3-events.log").contains("process failed: {") })
        let log = file(box, "pmon3-events.log")
        #expect(log.contains("process restarted: gin ("))
        #expect(log.contains("\"name\":\"job\""))
    }

    @Test func ppmServicesBackOffAndRunOneShotsOnce() throws {
        let box = try sandbox("ppm-services.lua", scale: 0.1)
        try box.startDaemon()
        #expect(eventually { times(box.events("crashy"), "start").count >= 3 })
        #expect(box.state("my_oneshot_service") == "finished")
        #expect(box.state("nightly_backup") == "waiting")
        let starts = times(box.events("crashy"), "start")
        let exits = times(box.events("crashy"), "exit")
        #expect(starts[1] - exits[0] >= 0.19 && starts[2] - exits[1] >= 0.39)
    }
}
