import Foundation
import LuaKit
import Testing

@testable import PPMImport

@Suite struct SupervisordImportTests {
    @Test func programsGroupsAndExpansions() throws {
        // %(ENV_LOG_LEVEL)s must be set, as supervisord wants. scripts/test.sh exports it: setenv
        // while another test's Foundation.Process copies the environment crashes that copy.
        if getenv("LOG_LEVEL") == nil { setenv("LOG_LEVEL", "info", 1) }
        let c = try load(fixture("supervisord.conf"))
        #expect(c.result.format == .supervisord)
        // priority order: migrate (1), worker (100), web (200), scheduler (999)
        #expect(c.specs.map(\.name) == ["migrate", "worker_01", "worker_02", "web", "scheduler"])
        let web = try #require(c["web"])
        // %(ENV_LOG_LEVEL)s: the daemon's environment when the config loads
        #expect(
            c.result.lua.contains(
                #"--log-level %s"):format((os.getenv("LOG_LEVEL") or error("environment variable LOG_LEVEL is not set (supervisord's %(ENV_LOG_LEVEL)s at line 18)", 0)))"#
            ))
        #expect(web.dir == "/srv/app" && web.user == "www-data")
        #expect(web.env == ["APP_ENV": "production", "LANG": "C.UTF-8", "PORT": "8000", "WORKERS": "4"])
        #expect(web.groups == ["app"])
        #expect(web.stopSignal == 3 && web.stopTimeout == 30)
        #expect(web.stdout == "/var/log/app/web.out.log" && web.stderr == "/var/log/app/web.err.log")
        #expect(web.restart == .function)
        #expect(web.logMaxSize == 10 << 20)  // stdout_logfile_maxbytes=10MB
        let worker = try #require(c["worker_02"])
        #expect(worker.cmd.suffix(2) == ["--id", "2"])
        #expect(worker.dir?.hasSuffix("Fixtures/app") == true)  // %(here)s
        #expect(worker.stdout == "/var/log/app/worker-2.log" && worker.stderr == worker.stdout)  // redirect_stderr
        #expect(worker.groups == ["app"])
        let scheduler = try #require(c["scheduler"])
        #expect(!scheduler.autostart && scheduler.stdout == "/dev/null" && scheduler.stderr == nil)
        #expect(c.untranslatedLines == [2, 7, 8, 11, 14, 33, 62, 64])  // [include] at 68 is followed (conf.d/ matches nothing)
        #expect(c.result.lua.contains("-- line 33: not translated: umask=022"))
    }

    @Test func theSupervisordPolicy() throws {
        let make = "local p = supervisord { autorestart = \"unexpected\", exitcodes = { 0, 2 }, startsecs = 1, startretries = 2 }\n"
        func decide(_ events: String) throws -> [LuaValue] {
            try lua(
                with: [.supervisord],
                then: make + "local out = {}\nfor _, ev in ipairs({\(events)}) do local d = p(ev)\n"
                    + "out[#out + 1] = type(d) == 'table' and (d.action .. '+' .. d.after) or d end\nreturn table.unpack(out)")
        }
        // Quick exits are failed starts: retried after 1, 2 s, then FATAL.
        #expect(
            try decide(
                "{ name = 'w', result = 1, runtime = 0.1 }, { name = 'w', result = 1, runtime = 0.1 }, { name = 'w', result = 1, runtime = 0.1 }")
                == [.string("restart+1"), .string("restart+2"), .string("fatal")])
        // After startsecs: exit codes in exitcodes are expected (not restarted), others are.
        #expect(
            try decide("{ name = 'w', result = 2, runtime = 5 }, { name = 'w', result = 3, runtime = 5 }")
                == [.string("stop"), .string("restart+0")])
    }

    /// supervisord refuses to start when an `%(ENV_X)s` names an unset
    /// variable; so does the imported config, and the import's check says so.
    @Test func anUnsetEnvironmentVariableIsAnErrorNamingIt() throws {
        let text = "[program:web]\ncommand=/bin/sleep 1\ndirectory=%(ENV_PPM_SURELY_UNSET_DIR)s\n"
        let result = try Importer.importText(text, path: "s.conf", from: .supervisord)
        guard case .failure(let failure) = ImportCheck.run(result.lua, path: "imported", home: "/tmp", pluginFolders: []) else {
            Issue.record("the check passed with an unset variable")
            return
        }
        #expect(
            failure.description.contains(
                "environment variable PPM_SURELY_UNSET_DIR is not set (supervisord's %(ENV_PPM_SURELY_UNSET_DIR)s at line 3)"),
            "\(failure)")
    }

    /// The Debian layout: supervisord.conf includes conf.d/*.conf, relative
    /// to itself; the included programs are imported, errors name their file.
    @Test func includedFilesAreFollowed() throws {
        let dir = NSTemporaryDirectory() + "ppm-include-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/conf.d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[supervisord]\nlogfile=/var/log/supervisord.log\n\n[include]\nfiles = conf.d/*.conf\n"
            .write(toFile: dir + "/supervisord.conf", atomically: false, encoding: .utf8)
        try "[program:web]\ncommand=/bin/sleep 100\ndirectory=%(here)s\n".write(toFile: dir + "/conf.d/web.conf", atomically: false, encoding: .utf8)
        try "[program:worker]\ncommand=/bin/sleep 200\n".write(toFile: dir + "/conf.d/worker.conf", atomically: false, encoding: .utf8)
        let c = try load(dir + "/supervisord.conf")
        #expect(c.specs.map(\.name) == ["web", "worker"])
        #expect(c["web"]?.dir == dir + "/conf.d")
        try "[program:bad]\ndirectory=/tmp\n".write(toFile: dir + "/conf.d/worker.conf", atomically: false, encoding: .utf8)
        #expect(throws: ImportError.self) { try Importer.importFile(dir + "/supervisord.conf") }
        do {
            _ = try Importer.importFile(dir + "/supervisord.conf")
        } catch {
            #expect(error.description.hasPrefix(dir + "/conf.d/worker.conf:1: [program:bad] has no command"), "\(error)")
        }
    }

    @Test func errorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("[program:a]\ncommand=/bin/true\nnot a key value\n", 3, "expected `key = value`"),
            ("[program:a]\ncommand=/bin/true\nnumprocs=2\n", 1, "with numprocs = 2, process_name must contain"),
            ("[program:a]\ncommand=/bin/echo %(nope)s\n", 2, "unknown expansion '%(nope)s'"),
            ("[program:a]\ncommand=x\nenvironment=A=\"1\n", 3, "environment: unterminated"),
            ("[program:a]\ncommand=x\nautorestart=sometimes\n", 3, "autorestart must be true, false or unexpected"),
            ("[group:g]\nprograms=a\n", 2, "[group:g] lists 'a'"),
            ("[program:a]\ndirectory=/tmp\n", 1, "[program:a] has no command"),
            ("command=x\n", 1, "`command=x` comes before any [section]"),
        ]
        expectErrors(cases, path: "s.conf", format: .supervisord)
    }
}
