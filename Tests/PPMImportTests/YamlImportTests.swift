import Foundation
import LuaKit
import PPMMachine
import Testing

@testable import PPMImport

@Suite struct PPMYamlImportTests {
    @Test func servicesEnvOneShotsBackoffSchedules() throws {
        let c = try load(fixture("ppm.yml"))
        #expect(c.result.format == .ppm)
        #expect(c.specs.map(\.name) == ["web", "one_shot", "periodic", "nightly", "monthly"])
        let web = try #require(c["web"])
        #expect(web.cmd == ["/usr/bin/python3", "-m", "http.server", "8080"])
        #expect(web.env == ["RUST_LOG": "trace", "PORT": "8080"] && web.dir == "/srv/www")
        #expect(web.depends == ["/srv/www/conf/**/*.toml"])
        #expect(c["one_shot"]?.restart == .onFailure)  // exit 0 stays finished, as in PPM
        #expect(c["periodic"]?.restart == .function)  // schedule → cron policy
        #expect(c["monthly"]?.restart == .onFailure)  // "L" is not translated: kept as a comment
        #expect(c.untranslatedLines == [2, 4, 18, 39, 41])
        #expect(c.result.lua.contains("backoff = { interval = 2 }"))
        #expect(c.result.lua.contains("log_max_size = 20971520"))
    }

    @Test func cronNextFindsTheNextMatchingTime() throws {
        let values = try lua(
            with: [.cronNext],
            then: """
                local from = os.time({ year = 2025, month = 3, day = 1, hour = 12, min = 0, sec = 7 })  -- a Saturday
                local a = cron_next("*/15 * * * * *", from)
                local b = os.date("*t", cron_next("0 30 2 * * MON-FRI", from))
                local c = os.date("*t", cron_next("0 0 29 2 *", from))
                return a - from, b.wday, b.hour, b.min, b.sec, c.year, c.month, c.day
                """)
        #expect(values == [.integer(8), .integer(2), .integer(2), .integer(30), .integer(0), .integer(2028), .integer(2), .integer(29)])
    }

    @Test func theCronFallbackPolicyWaitsForTheNextTime() throws {
        let values = try lua(
            with: [.cron],
            then: """
                local d = cron { "*/10 * * * * *" } { name = "p", result = 0, runtime = 1 }
                return d.action, d.after >= 0 and d.after <= 10
                """)
        #expect(values == [.string("restart"), .boolean(true)])
    }

    @Test func errorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("services:\n  - name: a\n    command: {path: x\n", 4, "YAML:"),
            ("services:\n  - name: a\n", 2, "service 'a' has no `command`"),
            ("services:\n  - name: a\n    command:\n      args: [x]\n", 3, "`command` needs a `path`"),
            ("restart_interval: soon\nservices: []\n", 1, "`restart_interval` must be a duration"),
        ]
        expectErrors(cases, path: "p.yml", format: .ppm)
    }
}

@Suite struct Pm2ImportTests {
    @Test func ecosystemJSON() throws {
        let c = try load(fixture("ecosystem.json"))
        #expect(c.result.format == .pm2)
        #expect(c.specs.map(\.name) == ["api", "worker", "report"])
        let api = try #require(c["api"])
        #expect(api.instances == 2)
        #expect(api.cmd == ["node", "--max-old-space-size=512", "server.js", "--port", "3000"])
        #expect(api.env == ["NODE_ENV": "production", "PORT": "3000", "NODE_APP_INSTANCE": "%i"])
        let second = ServiceInstances.copy(2, of: api)
        #expect(second.name == "api@2" && second.env["NODE_APP_INSTANCE"] == "2" && second.groups == ["api"])
        #expect(api.dir == "/srv/api" && api.stopTimeout == 3)
        #expect(api.stdout == "/var/log/api.out.log" && api.stderr == "/var/log/api.err.log")
        #expect(c["worker"]?.cmd == ["/usr/bin/python3", "-u", "worker.py", "--queue", "default"])
        #expect(c["worker"]?.depends == ["config/worker.yml"])
        #expect(c["report"]?.restart == .never && c["report"]?.autostart == false)
        #expect(c.result.lua.contains(#"restart_at("worker", "0 3 * * *")"#))
        #expect(c.untranslatedLines == [10, 11, 12, 17, 40])
    }

    @Test func ecosystemYAML() throws {
        let c = try load(fixture("ecosystem.yaml"))
        #expect(c.specs.map(\.name) == ["web", "queue"])
        #expect(c["web"]?.instances == 2 && c["web"]?.depends == ["/srv/web/**"])
        #expect(c["web"].map { ServiceInstances.copy(1, of: $0).groups } == ["front", "web"])
        #expect(c["queue"]?.cmd == ["./bin/queue", "--verbose"] && c["queue"]?.logTimestamps == true)
    }

    @Test func thePm2Policy() throws {
        let values = try lua(
            with: [.pm2],
            then: """
                local p = pm2 { min_uptime = 1000, max_restarts = 2, exp_backoff_restart_delay = 100, stop_exit_codes = { 0 } }
                local a = p { name = "x", result = 1, runtime = 0.1 }
                local b = p { name = "x", result = 1, runtime = 0.1 }
                local c = p { name = "x", result = 1, runtime = 0.1 }
                local d = p { name = "y", result = 0, runtime = 5 }
                return a.after, b.after, c, d
                """)
        #expect(values == [.number(0.1), .number(0.15), .string("fatal"), .string("stop")])
    }

    @Test func aJavaScriptConfigIsRefusedWithTheWayOut() {
        #expect(throws: ImportError.self) { try Importer.importFile("/srv/ecosystem.config.js") }
        do { _ = try Importer.importFile("/srv/ecosystem.config.js") } catch {
            #expect(error.description.contains("export it as JSON"))
        }
    }

    @Test func jsonErrorsNameLineAndColumn() {
        do {
            _ = try Importer.importText("{\n  \"apps\": [\n    {\"script\": \"a.js\",}\n  ]\n}\n", path: "e.json")
            Issue.record("trailing comma accepted")
        } catch {
            #expect(error.description.hasPrefix("e.json:3: JSON:"), "\(error)")
        }
    }
}

@Suite struct FormatGuessTests {
    @Test func theContentTellsTheFormat() throws {
        #expect(try ImportFormat.guess(path: "x", text: "<?xml version=\"1.0\"?>\n<peter/>") == .peter)
        #expect(try ImportFormat.guess(path: "x", text: "{\"apps\": []}") == .pm2)
        #expect(try ImportFormat.guess(path: "x", text: "apps:\n  - script: a.js\n") == .pm2)
        #expect(try ImportFormat.guess(path: "x", text: "; comment\n[program:a]\ncommand=x\n") == .supervisord)
        #expect(try ImportFormat.guess(path: "x", text: "# jobs\njob {\n name a\n}\n") == .pmtr)
        #expect(try ImportFormat.guess(path: "x", text: "stats_interval: 10s\nservices:\n  - name: a\n") == .ppm)
        #expect(throws: ImportError.self) { try ImportFormat.guess(path: "x", text: "hello\n") }
    }
}
