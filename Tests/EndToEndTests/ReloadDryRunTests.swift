import Foundation
import Testing

/// `ppm-lua reload --dry-run` (SPEC 10): prints what a reload would apply,
/// with the changed fields, and changes nothing.
@Suite struct ReloadDryRunTests {
    @Test func dryRunPrintsTheDifferenceAndAppliesNothing() throws {
        let box = try Sandbox()
        // The config reads its services from a file in another folder, which
        // the daemon does not watch: a change there waits for a reload.
        let data = box.dir + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let values = data + "/values.lua"
        try """
        local v = dofile(\(String(reflecting: values)))
        ppm.service { name = "same", cmd = "/bin/sleep 1000" }
        ppm.service { name = "edited", cmd = v.cmd, env = v.env }
        ppm.service { name = "hooked", cmd = "/bin/sleep 1000", on_exit = v.hook }
        if v.old then ppm.service { name = "gone", cmd = "/bin/sleep 1000" } end
        if not v.old then ppm.service { name = "new", cmd = "/bin/sleep 1000" } end
        """.write(toFile: box.config, atomically: true, encoding: .utf8)
        try #"return { old = true, cmd = "/bin/sleep 1000", env = { A = "1" }, hook = function() end }"#
            .write(toFile: values, atomically: true, encoding: .utf8)
        try box.startDaemon()
        #expect(eventually { ["same", "edited", "hooked", "gone"].allSatisfy { box.pid($0) != nil } })
        let pids = ["same", "edited", "hooked", "gone"].map { box.pid($0) }

        try #"return { old = false, cmd = "/bin/sleep 2000", env = { A = "2" }, hook = function() return "stop" end }"#
            .write(toFile: values, atomically: true, encoding: .utf8)
        let dry = box.run("reload", "--dry-run")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(
            dry.stdout == """
                added: new
                removed: gone
                changed: edited (cmd, env), hooked (on_exit)
                (dry run: nothing applied)

                """, "\(dry.stdout)")
        // Nothing applied: same processes, no new service, no config event beyond the first.
        #expect(["same", "edited", "hooked", "gone"].map { box.pid($0) } == pids)
        #expect(box.services()["new"] == nil)
        #expect(box.events().filter { $0["type"] as? String == "config" }.count == 1)

        // A bad config: the error, exit 1, still nothing applied nor journaled.
        try "return {".write(toFile: values, atomically: true, encoding: .utf8)
        let bad = box.run("reload", "--dry-run")
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("ppm-lua: ") && bad.stderr.contains("values.lua"), "\(bad.stderr)")
        #expect(box.events().filter { $0["type"] as? String == "config_error" }.isEmpty)

        // The real reload then applies what the dry run announced.
        try #"return { old = false, cmd = "/bin/sleep 2000", env = { A = "2" }, hook = function() return "stop" end }"#
            .write(toFile: values, atomically: true, encoding: .utf8)
        #expect(box.run("reload").stdout == "added: new\nremoved: gone\nchanged: edited, hooked\n")
        #expect(eventually { box.pid("new") != nil && box.services()["gone"] == nil })
    }
}
