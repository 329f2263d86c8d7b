import Foundation
import Testing

/// `instances = N` and `ppm-lua scale` (SPEC 10) in a running daemon: the
/// copies `NAME@1` … with `%i` and `PPM_INSTANCE`, `ls` in numeric order,
/// `scale` starting or stopping only the difference and kept across daemon
/// restarts and upgrades, names addressing the copies, reloads, and the
/// round trip through `check --json` and `export`.
@Suite struct InstancesTests {
    private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// `ls` (text) service names, in the order shown.
    private func listed(_ box: Sandbox) -> [String] {
        box.run("ls").stdout.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    private func pids(_ box: Sandbox, _ names: [String]) -> [String: Int32] {
        let services = box.services()
        return Dictionary(uniqueKeysWithValues: names.compactMap { n in (services[n]?["pid"] as? NSNumber).map { (n, $0.int32Value) } })
    }

    private func running(_ box: Sandbox, _ names: [String]) -> Bool {
        let services = box.services()
        return names.allSatisfy { services[$0]?["state"] as? String == "running" }
    }

    @Test func eachCopyHasItsNumberInCmdEnvDirAndLogPaths() throws {
        let box = try Sandbox()
        for i in 1...3 { try FileManager.default.createDirectory(atPath: box.dir + "/w\(i)", withIntermediateDirectories: true) }
        try box.write(
            """
            ppm.service { name = "web", instances = 3, dir = "w%i", env = { PORT = "80%i" },
              stdout = "\(box.dir)/out-%i.log",
              cmd = { "/bin/sh", "-c", "echo \\"$PPM_INSTANCE $PORT %i $(basename $PWD) 100%%\\"; exec sleep 1000" } }
            ppm.service { name = "many", instances = 12, cmd = "/bin/sleep 1000",
              on_start = function(ev) started = (started or 0) + 1; last = ev.name end }
            """)
        #expect(box.run("check", box.config).stdout.contains("many@1…many@12"))
        try box.startDaemon()
        for i in 1...3 {
            #expect(eventually { read("\(box.dir)/out-\(i).log").hasSuffix("\(i) 80\(i) \(i) w\(i) 100%\n") }, "\(read("\(box.dir)/out-\(i).log"))")
        }
        #expect(eventually { running(box, (1...12).map { "many@\($0)" }) })
        let names = listed(box)
        #expect(names == ["web@1", "web@2", "web@3"] + (1...12).map { "many@\($0)" }, "\(names)")
        #expect(box.run("show", "web@2").stdout.contains("PPM_INSTANCE"))
        // The template's hooks run for each copy, with the copy's name.
        #expect(eventually { box.run("eval", "return started").stdout == "12\n" })
        #expect(box.run("eval", "return last").stdout == "\"many@12\"\n")
    }

    @Test func scaleStartsAndStopsOnlyTheDifferenceAndIsKept() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "web", instances = 2, cmd = "/bin/sleep 1000" }
            ppm.service { name = "db", cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        #expect(eventually { running(box, ["web@1", "web@2", "db"]) })
        let first = pids(box, ["web@1", "web@2"])

        let up = box.run("scale", "web", "5")
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout == "web: 5 instances (started web@3, web@4, web@5)\n", "\(up.stdout)")
        #expect(eventually { running(box, (1...5).map { "web@\($0)" }) })
        #expect(pids(box, ["web@1", "web@2"]) == first)
        #expect(listed(box) == ["web@1", "web@2", "web@3", "web@4", "web@5", "db"])
        let scaled = box.events("web").first { $0["type"] as? String == "scaled" }
        #expect(scaled?["count"] as? Int == 5 && scaled?["was"] as? Int == 2, "\(String(describing: scaled))")
        let dropped = pids(box, ["web@3", "web@4", "web@5"]).values

        let down = box.run("scale", "web", "2")
        #expect(down.status == 0, "\(down.stderr)")
        #expect(Set(box.services().keys) == ["web@1", "web@2", "db"])
        #expect(pids(box, ["web@1", "web@2"]) == first)
        #expect(eventually { dropped.allSatisfy { !alive($0) } })

        // Kept across an upgrade (same processes) and a daemon restart.
        #expect(box.run("scale", "web", "3").status == 0)
        #expect(eventually { running(box, ["web@3"]) })
        let before = pids(box, ["web@1", "web@2", "web@3"])
        #expect(box.run("upgrade").status == 0)
        #expect(eventually { pids(box, ["web@1", "web@2", "web@3"]) == before && box.services().count == 4 })
        #expect(box.run("quit").status == 0)
        _ = box.waitForDaemonExit()
        try box.startDaemon()
        #expect(eventually { running(box, ["web@1", "web@2", "web@3", "db"]) })
        #expect(box.services()["web@4"] == nil)

        // Bad requests: one line each, the daemon unchanged.
        let unknown = box.run("scale", "nope", "3")
        #expect(unknown.status == 1 && unknown.stderr == "ppm-lua: unknown service 'nope'\n", "\(unknown.stderr)")
        let single = box.run("scale", "db", "2")
        #expect(single.status == 1 && single.stderr.split(separator: "\n").count == 1 && single.stderr.contains("instances"), "\(single.stderr)")
        for bad in ["0", "two", "1001", "2.5"] {
            let out = box.run("scale", "web", bad)
            #expect(out.status == 64 && out.stderr.split(separator: "\n").count == 1 && out.stderr.contains("whole number"), "\(bad): \(out.stderr)")
        }
        let negative = box.run("scale", "web", "-1")
        #expect(negative.status == 64 && negative.stderr.split(separator: "\n").count == 1, "\(negative.stderr)")
        #expect(box.services().count == 4)
    }

    @Test func theTemplateNameAndGroupAddressEveryCopyAndNAMEatNOne() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", instances = 3, cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        let names = ["web@1", "web@2", "web@3"]
        #expect(eventually { running(box, names) })
        let first = pids(box, names)

        let restartOne = box.run("restart", "web@2")
        #expect(restartOne.status == 0, "\(restartOne.stderr)")
        let after = pids(box, names)
        #expect(after["web@1"] == first["web@1"] && after["web@3"] == first["web@3"] && after["web@2"] != first["web@2"])

        #expect(box.run("stop", "web").status == 0)
        #expect(names.allSatisfy { box.state($0) == "stopped" })
        #expect(box.run("start", "@web").status == 0)
        #expect(eventually { running(box, names) })
        #expect(box.run("stop", "@web").status == 0)
        #expect(names.allSatisfy { box.state($0) == "stopped" })
        // Where one service is meant, the template's name says which to name.
        let show = box.run("show", "web")
        #expect(show.status == 1 && show.stderr == "ppm-lua: 'web' runs as 3 instances (web@1 … web@3): name one\n", "\(show.stderr)")
    }

    @Test func aReloadChangingTheCountAppliesTheDifferenceAndAChangedSpecRestartsEach() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", instances = 2, cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        #expect(eventually { running(box, ["web@1", "web@2"]) })
        #expect(box.run("scale", "web", "3").status == 0)
        #expect(eventually { running(box, ["web@3"]) })
        let first = pids(box, ["web@1", "web@2", "web@3"])

        // A reload that keeps `instances` keeps the scale.
        try box.write(#"ppm.service { name = "web", instances = 2, cmd = "/bin/sleep 1000" } -- same"#)
        #expect(box.run("reload").status == 0)
        #expect(pids(box, ["web@1", "web@2", "web@3"]) == first)

        // Another count in the config wins over the scale: only the difference starts.
        try box.write(#"ppm.service { name = "web", instances = 4, cmd = "/bin/sleep 1000" }"#)
        // Saving reloads (the config is watched); `reload` makes sure it happened.
        let grow = box.run("reload")
        #expect(grow.status == 0, "\(grow.stderr)")
        #expect(eventually { running(box, ["web@1", "web@2", "web@3", "web@4"]) })
        let added = box.events().filter { $0["type"] as? String == "config" }.compactMap { $0["added"] as? [String] }
        #expect(added.contains(["web@4"]), "\(added)")
        #expect(pids(box, ["web@1", "web@2", "web@3"]) == first)

        try box.write(#"ppm.service { name = "web", instances = 4, cmd = "/bin/sleep 1001" }"#)
        #expect(box.run("reload").status == 0)
        let names = ["web@1", "web@2", "web@3", "web@4"]
        #expect(eventually { running(box, names) && pids(box, names).count == 4 && pids(box, names)["web@1"] != first["web@1"] })
        let changed = pids(box, names)
        #expect(changed["web@2"] != first["web@2"])

        try box.write(#"ppm.service { name = "web", instances = 1, cmd = "/bin/sleep 1001" }"#)
        #expect(box.run("reload").status == 0)
        #expect(eventually { Set(box.services().keys) == ["web@1"] })
        #expect(box.pid("web@1") == changed["web@1"])
    }

    @Test func checkJSONAndExportRoundTripInstances() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "web", instances = 3, cmd = { "/bin/sleep", "10%i" } }
            ppm.service { name = "proxy", requires = { "web" }, cmd = "/bin/sleep 1000" }
            """)
        let check = box.run("check", "--json", box.config)
        #expect(check.status == 0, "\(check.stderr)")
        let specs = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [[String: Any]])
        #expect(specs.first?["instances"] as? Int == 3)
        #expect(specs.last?["instances"] is NSNull)
        try box.startDaemon()
        #expect(eventually { running(box, ["web@1", "web@2", "web@3", "proxy"]) })
        #expect(box.run("scale", "web", "4").status == 0)
        let export = box.run("export")
        #expect(export.status == 0)
        #expect(export.stdout.components(separatedBy: "ppm.service").count == 3, "\(export.stdout)")
        #expect(export.stdout.contains("instances = 4,") && export.stdout.contains(#"cmd = { "/bin/sleep", "10%i" }"#), "\(export.stdout)")
        #expect(export.stdout.contains(#"requires = { "web" }"#), "\(export.stdout)")
        try box.write(export.stdout, to: "exported.lua")
        let again = box.run("check", "--json", box.dir + "/exported.lua")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\"instances\":4"), "\(again.stdout)")
    }
}
