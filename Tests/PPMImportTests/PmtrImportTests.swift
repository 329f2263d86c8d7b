import LuaKit
import PPMMachine
import Testing

@testable import PPMImport

@Suite struct PmtrImportTests {
    @Test func everyOptionOfTheManualBecomesAServiceField() throws {
        let c = try load(fixture("pmtr.conf"))
        #expect(c.result.format == .pmtr)
        #expect(c.specs.map(\.name) == ["rest_server", "ws-server", "proxy", "thermostat", "trends", "create-ramdisk", "ws"])
        let trends = try #require(c["trends"])
        #expect(trends.cmd == ["/usr/bin/python", "trends.py"])
        #expect(trends.dir == "/home/trends")
        #expect(trends.env == ["DEBUG": "1", "TMPDIR": "/tmp"])
        #expect(trends.user == "pyuser")
        #expect(trends.stdout == "trends.out" && trends.stderr == "trends.err" && trends.stdin == "/dev/null")
        #expect(trends.ulimit == [ResourceLimit(name: "nofile", soft: 1024, hard: 1024)])
        #expect(trends.nice == 5)
        #expect(trends.cpu == [0, 1])  // 0x3
        #expect(trends.depends == ["/home/trends/trends.conf", "/home/trends/db.conf"])  // relative to dir, as pmtr reads them
        #expect(trends.bounce == 86_400)
        #expect(trends.disabled)
        #expect(trends.restart == .function)
        let thermostat = try #require(c["thermostat"])
        #expect(thermostat.ulimit == [ResourceLimit(name: "memlock", soft: nil, hard: nil), ResourceLimit(name: "nofile", soft: nil, hard: nil)])
        #expect(thermostat.bounce == 3600)
        let ramdisk = try #require(c["create-ramdisk"])
        #expect(ramdisk.once && ramdisk.wait && ramdisk.restart == .onFailure)
        let ws = try #require(c["ws"])
        #expect(ws.cmd == ["/bin/bash", "-c", "/bin/python ws.py -d $DIR/`date +%s`"])  // quoted argument, no expansion
        #expect(ws.cpu == [0, 2, 3])
        #expect(c.result.untranslated.isEmpty)
        #expect(c.result.lua.contains(#"report { to = "udp://127.0.0.1:9999", every = 10 }"#))
        #expect(c.result.lua.contains(#"listen { on = "udp://0.0.0.0:10000" }"#))
    }

    @Test func theManualsExampleIsItsOwnFixtureToo() throws {
        let c = try load(fixture("pmtr-manual.conf"))
        #expect(c.specs.map(\.name) == ["rest_server", "ws-server", "proxy", "thermostat"])
        #expect(c["ws-server"]?.stderr == "/tmp/maps.err")
        #expect(c["proxy"]?.depends == ["/etc/proxy.cfg"])
    }

    @Test func pmtrRestartRulesWithoutThePlugin() throws {
        let decide = "local p = pmtr { status = 33, min_runtime = 10, delay = 10 }\n"
        let stop = try lua(with: [.pmtr], then: decide + "return p { result = 33, runtime = 60 }")
        #expect(stop == [.string("stop")])
        let quick = try lua(with: [.pmtr], then: decide + "local d = p { result = 1, runtime = 2 } return d.action, d.after")
        #expect(quick == [.string("restart"), .integer(10)])
        let clean = try lua(with: [.pmtr], then: decide + "local d = p { result = 0, runtime = 30 } return d.action, d.after")
        #expect(clean == [.string("restart"), .integer(0)])
    }

    /// The import rule: an option pmtr's reader does not know stays a comment
    /// naming its line and is listed; the import goes on.
    @Test func anUnknownOptionIsKeptAsACommentNotAnError() throws {
        let result = try Importer.importText("job {\n  name a\n  cmd /bin/true\n  colour red \"dark\"\n}\n", path: "p.conf", from: .pmtr)
        #expect(result.untranslated.map(\.line) == [4])
        #expect(result.lua.contains(#"-- line 4: not translated: colour red "dark" (not a pmtr job option ppm-lua knows)"#), "\(result.lua)")
    }

    @Test func syntaxErrorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("job {\n  name a\n  cmd /bin/echo \"open\n}\n", 3, "unterminated \" quote"),
            ("job {\n  cmd /bin/true\n}\n", 1, "job has no 'name'"),
            ("job {\n  name a\n  cmd /bin/true\n  nice 40\n}\n", 4, "'nice' must be -20…19"),
            ("job {\n  name a\n  cmd x\n  ulimit -z 3\n}\n", 4, "unknown ulimit flag '-z'"),
            ("job {\n  name a\n  cmd x\n", 1, "job is not closed"),
            ("report udp://x:1\n", 1, "expected `report to"),
        ]
        expectErrors(cases, path: "p.conf", format: .pmtr)
    }
}
