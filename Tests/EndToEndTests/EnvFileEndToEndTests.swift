import Foundation
import Testing

/// `env_file` (SPEC 10) in a running daemon: the file's variables reach the
/// process, a changed file applies at the next restart without a reload,
/// and a malformed file fails the start with `FILE:LINE: message`.
@Suite struct EnvFileEndToEndTests {
    private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func variablesReachTheServiceAndAChangedFileAppliesAtTheNextRestart() throws {
        let box = try Sandbox()
        let out = box.dir + "/seen"
        try box.write("# app settings\nexport GREETING=\"hello \\\"world\\\"\"\nWHO=file\nLEVEL='from file'\n", to: ".env")
        try box.write(
            """
            ppm.service { name = "app", env_file = ".env", env = { LEVEL = "from env" },
              cmd = { "/bin/sh", "-c", "echo \\"$GREETING|$WHO|$LEVEL\\" >> \(out); exec sleep 1000" } }
            """)
        try box.startDaemon()
        #expect(eventually { read(out) == "hello \"world\"|file|from env\n" }, "\(read(out))")
        let first = try #require(box.pid("app"))

        try box.write("GREETING=bye\nWHO=changed\n", to: ".env")
        // No reload: the spec is the same, the file is read at the next start.
        #expect(box.run("restart", "app").status == 0)
        #expect(eventually { read(out).hasSuffix("bye|changed|from env\n") }, "\(read(out))")
        #expect(box.pid("app") != first)
        let show = box.run("show", "app")
        #expect(show.stdout.contains("env_file   \(box.dir)/.env"), "\(show.stdout)")
        let check = box.run("check", "--json", box.config)
        #expect(check.stdout.contains("\"env_file\""), "\(check.stdout)")
    }

    @Test func aMalformedFileFailsTheStartWithFileAndLine() throws {
        let box = try Sandbox()
        try box.write("OK=1\n# fine so far\nBROKEN=\"never closed\n", to: "bad.env")
        try box.write(#"ppm.service { name = "bad", cmd = "/bin/sleep 1000", env_file = "bad.env" }"#)
        try box.startDaemon()
        #expect(eventually { box.events("bad").contains { $0["type"] as? String == "spawn_failed" } })
        let failed = try #require(box.events("bad").first { $0["type"] as? String == "spawn_failed" })
        #expect(failed["error"] as? String == "\(box.dir)/bad.env:3: unterminated \" quote (opened here)")
        #expect(box.pid("bad") == nil)

        // Fixed on disk: the next start reads it (no reload needed).
        try box.write("OK=1\nBROKEN=\"closed\"\n", to: "bad.env")
        #expect(box.run("restart", "bad").status == 0)
        #expect(eventually { box.state("bad") == "running" })
    }
}
