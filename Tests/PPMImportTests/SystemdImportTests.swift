import Foundation
import PPMMachine
import PPMScript
import Testing

@testable import PPMImport

/// `import --from systemd` (SPEC 10): three realistic units imported together.
@Suite struct SystemdImportTests {
    /// Imports the units (or folder) and loads the result as `check` does.
    private func loadUnits(_ paths: [String]) throws -> (ImportResult, [ServiceSpec]) {
        let result = try Importer.importFiles(paths, from: .systemd)
        let host = try ConfigLoader(context: .init(version: "test", configPath: nil, home: NSTemporaryDirectory(), pluginFolders: []))
        host.checksPrivileges = false
        try host.loadConfig(source: result.lua, path: "imported.lua")
        #expect((try? ImportCheck.run(result.lua, path: "imported.lua", home: NSTemporaryDirectory(), pluginFolders: []).get()) == 3)
        return (result, host.declared)
    }

    @Test func threeUnitsTranslatedAndOrderedByWhatTheyNeed() throws {
        let (result, specs) = try loadUnits([fixture("systemd")])
        #expect(specs.map(\.name) == ["app-migrate", "metrics", "app"])
        let migrate = specs[0]
        let metrics = specs[1]
        let app = specs[2]

        // Type=oneshot: once, and wait holds the services below until it has exited.
        #expect(migrate.once && migrate.wait)
        #expect(migrate.cmd == ["/srv/app/bin/migrate", "--to", "latest"])
        #expect(migrate.dir == "/srv/app" && migrate.user == "app" && migrate.envFile == ["/etc/app/app.env"])

        // Type=notify, WatchdogSec, RestartSec: comments; the rest translated.
        #expect(metrics.cmd == ["/usr/local/bin/metrics", "--listen", "127.0.0.1:9100", "--config", "/etc/metrics/metrics conf.yml"])
        #expect(metrics.restart == .onFailure && metrics.user == "metrics" && metrics.group == "metrics")
        #expect(metrics.nice == 5 && metrics.cpu == [0, 1] && metrics.noNewPrivs)

        #expect(app.requires == ["metrics"])  // app-migrate: ordered by its wait instead
        #expect(app.envFile == ["/etc/app/app.env", "-/etc/app/local.env"])
        #expect(app.env == ["APP_MODE": "production", "PORT": "8080", "GREETING": "hello world"])
        #expect(app.cmd == ["/bin/sh", "-c", #"exec /srv/app/bin/server --port "${PORT}" $EXTRA_ARGS"#])
        #expect(app.stopSignal == SIGINT && app.stopTimeout == 90 && app.restart == .always)
        #expect(
            app.ulimit.sorted { $0.name < $1.name } == [
                ResourceLimit(name: "core", soft: 0, hard: nil), ResourceLimit(name: "nofile", soft: 65536, hard: 65536),
            ])
        #expect(app.stdout == "/var/log/app/server.log" && app.stderr == app.stdout)
        #expect(app.preStart == [["/bin/sh", "-c", "/srv/app/bin/check-config"]])

        let kept = result.untranslated.map { "\(ImportFormat.basename($0.file ?? "")):\($0.line)" }
        #expect(
            kept == [
                "app-migrate.service:7", "app.service:5", "app.service:26",
                "metrics.service:4", "metrics.service:5", "metrics.service:8", "metrics.service:11", "metrics.service:13",
            ])
        #expect(result.lua.contains(#"pre_start = { "/srv/app/bin/check-config" },  -- ExecStartPre: each must succeed before the start"#))
        #expect(result.lua.contains("-- metrics.service line 8: not translated: [Service] Type=notify"))
        #expect(app.limits.memoryMax == 512 << 20)
        #expect(result.lua.contains(#"memory_max = "512M","#))
    }

    @Test func resourceControlBecomesCgroupLimits() throws {
        let unit = """
            [Service]
            ExecStart=/srv/app/bin/server
            MemoryMax=1G
            MemoryHigh=768M
            CPUQuota=150%
            TasksMax=64
            IOWeight=200
            """
        let r = try Importer.importText(unit, path: "/x/limited.service", from: nil)
        #expect(r.untranslated.isEmpty, "\(r.untranslated)")
        for line in [#"memory_max = "1G","#, #"memory_high = "768M","#, #"cpu_max = "150%","#, "pids_max = 64,", "io_weight = 200,"] {
            #expect(r.lua.contains(line), "\(r.lua)")
        }
        let kept = try Importer.importText("[Service]\nExecStart=/bin/x\nMemoryMax=50%\nTasksMax=infinity\n", path: "/x/p.service", from: nil)
        #expect(kept.untranslated.map(\.line) == [3])
        #expect(!kept.lua.contains("pids_max"))
    }

    @Test func oneUnitAloneAndTheDefaultRestartIsNo() throws {
        let r = try Importer.importText("[Service]\nExecStart=/bin/sleep 10\n", path: "/x/one.service", from: nil)
        #expect(r.format == .systemd)
        #expect(r.lua.contains(#"restart = "never",  -- systemd's default: Restart=no"#))
        #expect(r.lua.contains(#"name = "one","#))
    }

    @Test func commandsAroundTheProcessBecomeShellLines() throws {
        let unit = """
            [Service]
            ExecStartPre=/usr/bin/install -d -o app /run/app
            ExecStartPre=-/bin/sh -c 'rm -f /run/app/*.sock'
            ExecStart=/srv/app/bin/server
            ExecStop=/srv/app/bin/ctl stop --pid $MAINPID
            ExecStopPost=/usr/bin/logger "app stopped"
            TimeoutStartSec=30
            """
        let r = try Importer.importText(unit, path: "/x/app.service", from: .systemd)
        let host = try ConfigLoader(context: .init(version: "test", configPath: nil, home: NSTemporaryDirectory(), pluginFolders: []))
        try host.loadConfig(source: r.lua, path: "imported.lua")
        let app = try #require(host.declared.first)
        #expect(app.preStart == [["/bin/sh", "-c", "/usr/bin/install -d -o app /run/app"], ["/bin/sh", "-c", "rm -f /run/app/*.sock"]])
        #expect(app.stopCmd == ["/bin/sh", "-c", "exec /srv/app/bin/ctl stop --pid $MAINPID"])
        #expect(app.postStop == [["/bin/sh", "-c", "/usr/bin/logger 'app stopped'"]])
        #expect(app.startTimeout == 30)
        // The '-' prefix (a failure ignored) has no equivalent: said, not dropped silently.
        #expect(r.untranslated.map(\.line) == [3])
        // Without pre_start commands, TimeoutStartSec has nothing to bound.
        let plain = try Importer.importText("[Service]\nExecStart=/bin/true\nTimeoutStartSec=5\n", path: "/x/p.service", from: .systemd)
        #expect(plain.untranslated.map(\.line) == [3] && !plain.lua.contains("start_timeout ="))
    }

    @Test func malformedUnitsNameFileAndLine() {
        expectErrors(
            [
                ("[Service]\nExecStart=/bin/true\nnot an assignment\n", 3, "expected Key=Value"),
                ("ExecStart=/bin/true\n", 1, "an assignment before any [Section]"),
                ("[Service]\nExecStart=/bin/echo \"open\n", 2, "ExecStart= is empty or has an unterminated quote"),
                ("[Service]\nEnvironment=\"A=1\nExecStart=/bin/true\n", 2, "unterminated quote in Environment="),
            ], path: "/x/bad.service", format: .systemd)
        #expect(throws: ImportError.self) { try Importer.importText("[Unit]\nDescription=x\n", path: "/x/none.service", from: .systemd) }
        #expect(throws: ImportError.self) { try Importer.importFiles(["/x/a.service", "/x/b.service"], from: .pm2) }
    }

    @Test func hostileTextStaysInCommentsAndStrings() throws {
        let unit = "[Unit]\nDescription=x\u{0D}os.exit()\n[Service]\nExecStart=/bin/echo \"]] os.exit() --\"\nX-Evil=a\u{0D}os.exit()\n"
        let r = try Importer.importText(unit, path: "/x/evil.service", from: .systemd)
        #expect(r.lua.contains(#"-- evil.service line 5: not translated: [Service] X-Evil=a\ros.exit() ("#), "\(r.lua)")
        #expect(r.lua.contains(#"-- x\ros.exit()"#))
        #expect(r.lua.contains(#"cmd = { "/bin/echo", "]] os.exit() --" }"#) || r.lua.contains(#"cmd = "/bin/echo ']] os.exit() --'""#), "\(r.lua)")
        #expect((try? ImportCheck.run(r.lua, path: "i.lua", home: NSTemporaryDirectory(), pluginFolders: []).get()) == 1)
    }

    @Test func valueSyntaxes() {
        #expect(SystemdValues.seconds("1min 30s") == 90 && SystemdValues.seconds("500ms") == 0.5 && SystemdValues.seconds("90") == 90)
        #expect(SystemdValues.seconds("infinity") == nil && SystemdValues.seconds("soon") == nil)
        #expect(SystemdValues.limit("4K") == .int(4096) && SystemdValues.limit("infinity") == .string("infinity"))
        #expect(SystemdValues.cpus("0-2 5,7") == [0, 1, 2, 5, 7])
        #expect(SystemdValues.words(#"a "b c" 'd e' f\ g"#) == ["a", "b c", "d e", "f g"])
    }
}
