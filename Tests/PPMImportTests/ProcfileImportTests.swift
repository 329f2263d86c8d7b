import Testing

@testable import PPMImport

/// `import --from procfile` (SPEC 10): foreman's documented example.
@Suite struct ProcfileImportTests {
    @Test func foremansExampleWithPortsAndTheDotenvBesideIt() throws {
        let c = try load(fixture("Procfile"))
        #expect(c.result.format == .procfile)  // told from the file's name
        #expect(c.specs.map(\.name) == ["web", "worker", "clock"])
        let web = try #require(c["web"])
        let worker = try #require(c["worker"])
        let clock = try #require(c["clock"])
        #expect(web.cmd == ["/bin/sh", "-c", "bundle exec thin start -p $PORT"])
        #expect(worker.cmd == ["/bin/sh", "-c", "bundle exec rake resque:work QUEUE=*"])
        // PORT = 5000 + 100 × the process's index (lines that are no process do not count).
        #expect([web, worker, clock].map { $0.env["PORT"] } == ["5000", "5100", "5200"])
        let folder = ProcfileReader.folder(of: fixture("Procfile"))
        #expect(web.dir == folder && clock.dir == folder)
        #expect(web.envFile == [folder + "/.env"])
        // The line that is no process is kept as a comment naming its line.
        #expect(c.untranslatedLines == [5])
        #expect(c.result.lua.contains("--   line 5: not translated: not a process line"))
    }

    @Test func withoutADotenvNoEnvFileAndBadLinesAreErrors() throws {
        let r = try Importer.importText("a: run-a\nb:run-b\n", path: "/nonexistent/Procfile", from: .procfile)
        #expect(!r.lua.contains("env_file"))
        #expect(r.lua.contains(#"env = { PORT = "5100" }"#))
        expectErrors([("a: x\na: y\n", 2, "process 'a' is declared twice")], path: "/nonexistent/Procfile", format: .procfile)
        // Text from the file goes into comments escaped, never into code.
        let hostile = try Importer.importText("bad line\n]] os.exit() --[[\u{0D}x\n", path: "/nonexistent/Procfile", from: .procfile)
        #expect(hostile.lua.contains(#"--   line 2: not translated: ]] os.exit() --[[\rx"#), "\(hostile.lua)")
        #expect(!hostile.lua.split(separator: "\n").contains { !$0.hasPrefix("--") && $0.contains("os.exit") })
    }
}
