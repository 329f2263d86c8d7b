import Foundation
import TestProcesses
import Testing

/// `scripts/install.sh` installs what the examples need: the pmon3 example
/// runs from the installed tree, its hook scripts found and executable.
@Suite struct InstallTests {
    @Test func theInstalledPmon3ExampleFindsItsScripts() throws {
        let box = try Sandbox()
        let tree = PluginSearchEndToEndTests.tree.path
        let install = TestProcess()
        install.executableURL = URL(fileURLWithPath: "/bin/bash")
        install.arguments = [tree + "/scripts/install.sh", "/usr"]
        var env = box.env
        env["DESTDIR"] = box.dir + "/stage"
        env["PPM_LUA_BIN_DIR"] = URL(fileURLWithPath: binary).deletingLastPathComponent().path
        install.environment = env
        let out = Pipe()
        install.standardOutput = out
        install.standardError = out
        try install.run()
        install.waitUntilExit()
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(install.terminationStatus == 0, "\(said)")
        let examples = box.dir + "/stage/usr/share/ppm-lua/examples"
        for script in ["on_restart.sh", "on_failure.sh"] {
            #expect(FileManager.default.isExecutableFile(atPath: examples + "/pmon3/" + script), "\(script) installed")
        }
        #expect(FileManager.default.fileExists(atPath: examples + "/systemd/ppm-lua.service"))

        box.env["EXAMPLE_TIME_SCALE"] = "0.1"
        let log =
            FileHandle(forWritingAtPath: box.dir + "/daemon.log")
            ?? {
                FileManager.default.createFile(atPath: box.dir + "/daemon.log", contents: nil)
                return FileHandle(forWritingAtPath: box.dir + "/daemon.log")!
            }()
        let daemon = try box.launch(["daemon", "-c", examples + "/pmon3-hooks.lua"], stdout: log, stderr: log)
        defer {
            _ = box.run(["quit"], deadline: 20)
            if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        }
        let events = box.dir + "/home/pmon3-events.log"
        #expect(
            eventually(30) { ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("process failed: {") },
            "\((try? String(contentsOfFile: box.dir + "/daemon.log", encoding: .utf8)) ?? "")")
        #expect(!box.events().contains { $0["type"] as? String == "hook_error" })
    }
}
