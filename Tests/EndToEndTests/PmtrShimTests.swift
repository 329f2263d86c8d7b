import Foundation
import TestProcesses
import Testing

/// scripts/compat/pmtr: pmtr's command line over `ppm-lua import` and `daemon`
/// (pmtr's own suite runs through scripts/compat/run-pmtr-suite.sh).
@Suite struct PmtrShimTests {
    static let shim = PluginSearchEndToEndTests.tree.appendingPathComponent("scripts/compat/pmtr").path

    /// Runs the shim as a shell would start it: the test's threads block
    /// signals, which a child inherits and bash cannot unblock (its SIGHUP
    /// trap would never run), so python3 clears the mask before the exec.
    func shim(_ box: Sandbox, _ args: [String]) throws -> (TestProcess, Pipe) {
        let p = TestProcess()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments =
            [
                "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
                Self.shim,
            ] + args
        var env = box.env
        env["PPM_LUA"] = binary
        env["PPM_LUA_HOME"] = box.dir + "/home"
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return (p, err)
    }

    @Test func checksRunsReloadsOnSighupAndStopsOnSigterm() throws {
        let box = try Sandbox()
        try box.write("job {\n  name one\n  cmd /bin/sh -c \"echo $$ > \(box.dir)/one.pid; exec sleep 1000\"\n}\n", to: "pmtr.conf")
        try box.write("job {\n  name broken\n  cmd /bin/true\n", to: "bad.conf")
        let (good, _) = try shim(box, ["-t", "-c", box.dir + "/pmtr.conf"])
        good.waitUntilExit()
        #expect(good.terminationStatus == 0)
        let (bad, badErr) = try shim(box, ["-t", "-c", box.dir + "/bad.conf"])
        bad.waitUntilExit()
        let said = String(decoding: badErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(bad.terminationStatus == 1 && said.hasPrefix("pmtr: parse failed: "), "\(said)")

        let (pmtr, _) = try shim(box, ["-F", "-p", box.dir + "/pmtr.pid", "-c", box.dir + "/pmtr.conf"])
        defer { if pmtr.isRunning { pmtr.terminate() } }
        #expect(eventually { pidFile(box.dir + "/one.pid").map(alive) == true })
        #expect(pidFile(box.dir + "/pmtr.pid") == pmtr.processIdentifier)
        let one = try #require(pidFile(box.dir + "/one.pid"))
        try box.write("job {\n  name two\n  cmd /bin/sh -c \"echo $$ > \(box.dir)/two.pid; exec sleep 1000\"\n}\n", to: "pmtr.conf")
        kill(pmtr.processIdentifier, SIGHUP)
        #expect(eventually { pidFile(box.dir + "/two.pid").map(alive) == true && !alive(one) })
        let two = try #require(pidFile(box.dir + "/two.pid"))
        kill(pmtr.processIdentifier, SIGTERM)
        #expect(eventually { !pmtr.isRunning })
        #expect(pmtr.terminationStatus == 0)
        #expect(!alive(two))
        #expect(!FileManager.default.fileExists(atPath: box.dir + "/pmtr.pid"))
    }
}
