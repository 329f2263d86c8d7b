import Foundation
import Testing

/// `ppm-lua test` runs exit handlers that act on other services: their
/// `ppm.*` calls are recorded and can be expected; a hook that raises is a
/// failed expectation and the run goes on to its summary.
@Suite struct OfflineHookTests {
    /// PETeR's monitoring example: a monitor's exit stops one service and starts another.
    static let monitoring = """
        ppm.service { name = "p1", cmd = "sleep 100" }
        ppm.service { name = "diskcleaner", cmd = "true", autostart = false }
        ppm.service {
          name = "diskspace", cmd = "true",
          on_exit = function(ev)
            if ev.result == 1 then
              ppm.stop("p1")
              ppm.start("diskcleaner", { after = 2 })
              ppm.spawn({ "/usr/bin/logger", "disk full" })
              return "stop"
            end
            if ev.result == 2 then ppm.start("diskcleanr") end  -- a typo: the hook raises
          end,
        }
        """

    @Test func controlCallsOfAHookAreRecordedAndExpected() throws {
        let box = try Sandbox()
        try box.write(Self.monitoring)
        try box.write(
            """
            load_config("ppm.lua")
            expect("diskspace", { result = 1 }).to_be("stop")
            expect_call("stop", "p1")
            expect_call("start", "diskcleaner")
            expect_call("spawn", "/usr/bin/logger")
            expect("diskspace", { result = 0 }).to_be("stop")
            expect_call("start", "diskcleaner")
            """, to: "monitor_test.lua")
        let out = box.run("test", "monitor_test.lua")
        #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("ok    monitor_test.lua:3: ppm.stop(\"p1\")"), "\(out.stdout)")
        #expect(out.stdout.contains("ok    monitor_test.lua:4: ppm.start(\"diskcleaner\", { after = 2 })"), "\(out.stdout)")
        #expect(out.stdout.contains("ok    monitor_test.lua:5: ppm.spawn(\"/usr/bin/logger disk full\")"), "\(out.stdout)")
        #expect(out.stdout.contains("FAIL  monitor_test.lua:7: expected ppm.start(\"diskcleaner\"), got no call"), "\(out.stdout)")
        #expect(out.stdout.hasSuffix("6 expectations, 1 failed\n"), "\(out.stdout)")
    }

    @Test func aRaisingHookIsAFailedExpectationAndTheSummaryFollows() throws {
        let box = try Sandbox()
        try box.write(Self.monitoring)
        try box.write(
            """
            load_config("ppm.lua")
            expect("diskspace", { result = 2 }).to_be("stop")
            expect("nosuch", { result = 0 }).to_be("stop")
            expect("diskspace", { result = 0 }).to_be("stop")
            error("the file stops here")
            expect("diskspace", { result = 0 }).to_be("stop")
            """, to: "raise_test.lua")
        let out = box.run("test", "raise_test.lua")
        #expect(out.status == 1)
        #expect(out.stdout.contains("FAIL  raise_test.lua:2: error: ./ppm.lua:12: unknown service 'diskcleanr'"), "\(out.stdout)")
        #expect(out.stdout.contains("FAIL  raise_test.lua:3: error: no service named 'nosuch' in this file"), "\(out.stdout)")
        #expect(out.stdout.contains("ok    raise_test.lua:4: stop"), "\(out.stdout)")
        #expect(out.stdout.hasSuffix("3 expectations, 2 failed; 1 error (above)\n"), "\(out.stdout)")
        #expect(out.stderr.contains("raise_test.lua:5: the file stops here"), "\(out.stderr)")
    }

    @Test func aReplayedJournalPrintsEachDecisionWithTheCallsItMade() throws {
        let box = try Sandbox()
        try box.write(
            Self.monitoring + """

                ppm.service { name = "tick", cmd = "true", restart = function() return { action = "restart", after = 45.8554 } end }
                """)
        try box.write(
            """
            {"seq":1,"type":"exit","name":"diskspace","result":1,"runtime":3,"crashes":1,"outcome":"crashed","utc":"2026-11-23T10:00:00.000Z","time":1}
            {"seq":2,"type":"exit","name":"diskspace","result":2,"runtime":3,"crashes":2,"outcome":"crashed","utc":"2026-11-23T10:00:01.000Z","time":2}
            {"seq":3,"type":"exit","name":"tick","result":0,"runtime":1,"crashes":0,"outcome":"finished","utc":"2026-11-23T10:00:02.000Z","time":3}
            """, to: "events.jsonl")
        let out = box.run("test", "ppm.lua", "--events", "events.jsonl")
        #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(out.stdout)")
        #expect(
            lines.first?.hasSuffix(
                "->  stop, then ppm.stop(\"p1\"), ppm.start(\"diskcleaner\", { after = 2 }), ppm.spawn(\"/usr/bin/logger disk full\")") == true,
            "\(out.stdout)")
        #expect(lines.dropFirst().first?.contains("->  error: ppm.lua:12: unknown service 'diskcleanr'") == true, "\(out.stdout)")
        #expect(lines.dropFirst(2).first?.hasSuffix("->  restart after 45.9") == true, "\(out.stdout)")
        #expect(lines.last == "0 expectations, 0 failed; 3 exits replayed, 1 failed")
    }
}
