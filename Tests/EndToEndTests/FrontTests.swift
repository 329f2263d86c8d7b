import Foundation
import TestProcesses
import Testing

/// `ppm-lua` is a lean front (#23 item 4): it answers the common client
/// commands itself and hands every other command line, unchanged, to
/// `ppm-lua-full` in its own folder.
@Suite struct FrontTests {
    /// The front copied alone into `folder` (with `full`, a script, as its `ppm-lua-full` when given).
    static func lone(in folder: String, full: String? = nil) throws -> String {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let front = folder + "/ppm-lua"
        try FileManager.default.copyItem(atPath: binary, toPath: front)
        if let full {
            try full.write(toFile: folder + "/ppm-lua-full", atomically: true, encoding: .utf8)
            chmod(folder + "/ppm-lua-full", 0o755)
        }
        return front
    }

    /// Runs `program ARGS…` in the sandbox's environment.
    static func run(_ program: String, _ args: [String], _ box: Sandbox) throws -> Output {
        let p = TestProcess()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = args
        p.environment = box.env
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func aCommandTheFrontDoesNotAnswerGoesToTheFullProgramWithItsArguments() throws {
        let box = try Sandbox()
        let front = try Self.lone(in: box.dir + "/bin", full: "#!/bin/sh\necho \"full program: $*\"\nexit 7\n")
        let handed = try Self.run(front, ["check", "-c", "my config.lua", "--help"], box)
        #expect(handed.stdout == "full program: check -c my config.lua --help\n" && handed.status == 7, "\(handed)")
        #expect(try Self.run(front, ["--host", "h:1", "status"], box).stdout == "full program: --host h:1 status\n")
        // A quick form is the front's own: no daemon here, and the script is not run.
        let quick = try Self.run(front, ["status"], box)
        #expect(quick.status == 3 && quick.stdout.isEmpty && quick.stderr.hasPrefix("ppm-lua: no daemon answers on "), "\(quick)")
    }

    @Test func withoutTheFullProgramTheFrontSaysSoInOneLine() throws {
        let box = try Sandbox()
        let folder = box.dir + "/bin"
        let front = try Self.lone(in: folder)
        let alone = try Self.run(front, ["check"], box)
        #expect(alone.status == 127)
        #expect(alone.stdout.isEmpty)
        #expect(alone.stderr == "ppm-lua: cannot run \(folder)/ppm-lua-full: No such file or directory (it is installed beside ppm-lua)\n")
    }

    /// The real pair: `check` and `--help` through the hand-off, and a
    /// daemon named `ppm-lua` (its /proc/PID/comm, which `pgrep` reads).
    @Test func theFullProgramAnswersThroughTheFrontUnderTheFrontsName() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "idle", cmd = "sleep 1000", autostart = false }"#)
        let check = box.run(["check", box.config])
        #expect(check.status == 0 && check.stdout.contains("idle"), "\(check)")
        let help = box.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: ppm-lua <subcommand>"), "\(help)")
        try box.startDaemon()
        let pid = try #require(box.daemonProcess?.processIdentifier)
        #expect((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) == "ppm-lua\n")
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }
}
