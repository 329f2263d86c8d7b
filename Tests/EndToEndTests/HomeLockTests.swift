import Foundation
import PPMRuntime
import TestProcesses
import Testing

/// One daemon per home, and nobody else can take a home's place: another
/// user holding the home's abstract socket name neither keeps the daemon
/// from starting nor from upgrading.
@Suite struct HomeLockTests {
    /// `perl` (perl-base, on every Debian) as nobody, listening on `name`.
    private func squat(_ name: String) throws -> TestProcess {
        let p = TestProcess()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = [
            "--reuid=65534", "--regid=65534", "--clear-groups", "--", "perl", "-MSocket", "-e",
            #"socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; bind($s, pack_sockaddr_un("\0\#(name)")) or die "bind: $!"; "#
                + #"listen($s, 1) or die; $| = 1; print "ok\n"; sleep 300"#,
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let line = out.fileHandleForReading.availableData
        #expect(String(decoding: line, as: UTF8.self) == "ok\n")
        return p
    }

    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs root and setpriv"))
    func anotherUserHoldingTheHomesNameCannotKeepTheDaemonOut() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#)
        let squatter = try squat("ppm-lua-home-" + ServiceCgroups.hash(box.dir + "/home"))
        defer { squatter.terminate() }
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        let log = (try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? ""
        #expect(log.contains("is held by uid 65534, not a daemon of this home; ignored"), "\(log)")
        // Upgrading, the new image takes the lock it is handed and starts too.
        let pid = box.pid("web")
        let upgrade = box.run("upgrade")
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        #expect(box.pid("web") == pid)
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }

    @Test func aSecondDaemonOnTheSameHomeRefusesWhileTheFirstHoldsItsLock() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        #expect(box.run("upgrade").status == 0)
        // The lock crossed the exec: with its socket out of the way, a
        // second daemon is still refused by the lock.
        let socket = box.dir + "/home/ppm.sock"
        #expect(rename(socket, socket + ".aside") == 0)
        let second = box.run(["daemon", "-c", box.config], deadline: 30)
        #expect(rename(socket + ".aside", socket) == 0)
        #expect(second?.status == 1)
        #expect(
            second?.stderr.contains("another daemon already runs on \(box.dir)/home (its socket is gone)") == true,
            "\(second?.stderr ?? "it ran")")
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }

    /// The handover goes through a memory file: a single environment
    /// variable (capped at 128 KiB) failed from about 2000 services.
    @Test func upgradeWith2500ServicesKeepsEveryPid() throws {
        let box = try Sandbox()
        try box.write("for i = 1, 2500 do ppm.service { name = \"sleeper-with-a-long-name-\" .. i, cmd = \"/bin/sleep 1000\" } end\n")
        try box.startDaemon()
        let running = { box.services().values.filter { $0["state"] as? String == "running" }.count }
        #expect(eventually(120) { running() == 2500 })
        let before = box.services().compactMapValues { ($0["pid"] as? NSNumber)?.int32Value }
        let upgrade = box.run("upgrade")
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        #expect(upgrade.stdout.contains("2500 services kept"), "\(upgrade.stdout)")
        let after = box.services().compactMapValues { ($0["pid"] as? NSNumber)?.int32Value }
        #expect(after == before)
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit(60) == 0)
    }
}

/// An upgrade that cannot run the new image tells the client why, and the
/// old image goes on.
@Suite struct UpgradeFailureTests {
    @Test func upgradeReportsWhyTheExecFailed() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#)
        let copy = box.dir + "/ppm-lua-copy"
        try FileManager.default.copyItem(atPath: binary, toPath: copy)
        try box.startDaemon(wrapper: ["/bin/sh", "-c", #"shift; exec "$0" "$@""#, copy])
        #expect(unlink(copy) == 0)
        guard let upgrade = box.run(["upgrade"], deadline: 30) else {
            Issue.record("upgrade hung")
            return
        }
        #expect(upgrade.status != 0)
        #expect(upgrade.stderr.contains("cannot re-execute \(copy): No such file or directory"), "\(upgrade.stderr)")
        #expect(box.state("web") == "running")
        // Journaled as `daemon_error`, stamped like every entry (SPEC 5.2).
        var entry: [String: Any]?
        #expect(
            eventually(10) {
                entry = box.events().first { $0["type"] as? String == "daemon_error" }
                return entry != nil
            })
        #expect((entry?["error"] as? String)?.contains("cannot re-execute") == true, "\(entry ?? [:])")
        #expect((entry?["utc"] as? String)?.count == 24 && entry?["seq"] != nil && entry?["time"] != nil, "\(entry ?? [:])")
        #expect(box.run("quit").status == 0)
    }
}
