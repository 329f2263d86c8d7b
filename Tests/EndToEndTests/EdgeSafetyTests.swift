import Foundation
import TestProcesses
import Testing

/// What a service's user plants in the paths it controls never gives it,
/// or a client, more than that user has.
@Suite(.enabled(if: geteuid() == 0 && getpwnam("nobody") != nil, "needs root and the user nobody"))
struct EdgeSafetyTests {
    /// A sandbox with `srv/` owned by nobody and a root-only `root-only/key`.
    private func planted() throws -> (box: Sandbox, own: String, key: String) {
        let box = try Sandbox()
        chmod(box.dir, 0o755)
        let nobody = getpwnam("nobody")!.pointee
        let own = box.dir + "/srv"
        let secret = box.dir + "/root-only"
        mkdir(own, 0o755)
        chown(own, nobody.pw_uid, nobody.pw_gid)
        mkdir(secret, 0o700)
        try "TOPSECRET\n".write(toFile: secret + "/key", atomically: false, encoding: .utf8)
        chmod(secret + "/key", 0o600)
        return (box, own, secret + "/key")
    }

    @Test func logsNeverReadsARootOnlyFileThroughAServicesSymlink() throws {
        let (box, own, key) = try planted()
        try box.write(
            """
            ppm.service { name = "web", cmd = "/bin/sleep 1000", user = "nobody", dir = "\(own)", stdout = "web.out", stderr = "web.err" }
            ppm.service { name = "mine", cmd = { "/bin/sh", "-c", "echo hello; exec sleep 1000" }, user = "nobody", dir = "\(own)", stdout = "mine.out" }
            """)
        #expect(symlink(key, own + "/web.out") == 0)
        #expect(mkfifo(own + "/web.err", 0o666) == 0)
        try box.startDaemon()
        #expect(eventually { box.state("web") != nil && box.state("web") != "starting" })
        let out = box.run("logs", "web")
        #expect(!out.stdout.contains("TOPSECRET"))
        #expect(out.status != 0)
        #expect(out.stderr.contains("cannot read web's stdout file: \(own)/web.out: a symbolic link (not followed)"), "\(out.stderr)")
        // A FIFO is refused at once: the daemon does not wait for a writer.
        guard let err = box.run(["logs", "web", "--err"], deadline: 5) else {
            Issue.record("logs on a FIFO hung")
            return
        }
        #expect(err.stderr.contains("\(own)/web.err: not a regular file"), "\(err.stderr)")
        #expect(box.run("status").status == 0)
        // Its own file, its user's to read, is shown.
        #expect(eventually { box.run("logs", "mine").stdout == "hello\n" })
        // The spawn, made as nobody, was refused too: the key was never read.
        #expect(box.state("web") != "running")
    }

    /// A process of another user that sets a service's marks in its
    /// environment is neither adopted as that service nor ended as a stray.
    @Test func anotherUsersProcessWithAServicesMarksIsNeitherAdoptedNorEnded() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#)
        let home = box.dir + "/home"
        mkdir(home, 0o700)
        var spoofs: [TestProcess] = []
        for name in ["web", "removed-long-ago"] {
            let p = TestProcess()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            p.arguments = [
                "--reuid=65534", "--regid=65534", "--clear-groups", "--", "/usr/bin/env",
                "PPM_LUA_HOME=\(home)", "PPM_LUA_SERVICE=\(name)", "/bin/sleep", "300",
            ]
            try p.run()
            spoofs.append(p)
        }
        defer { for p in spoofs { p.terminate() } }
        // Each leads its own process group (TestProcess makes it so), as a service does.
        #expect(eventually(10) { spoofs.allSatisfy { procStatus($0.processIdentifier, "NSpgid") == "\($0.processIdentifier)" } })
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        let web = try #require(box.pid("web"))
        #expect(!spoofs.map(\.processIdentifier).contains(web))
        let log = (try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? ""
        #expect(!log.contains("adopting"), "\(log)")
        #expect(spoofs.allSatisfy { alive($0.processIdentifier) }, "\(spoofs.map { ($0.processIdentifier, $0.isRunning) }) \(log)")
        #expect(box.run("quit").status == 0)
        #expect(spoofs.allSatisfy { alive($0.processIdentifier) })
    }
}
