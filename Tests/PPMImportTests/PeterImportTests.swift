import LuaKit
import Testing

@testable import PPMImport

@Suite struct PeterImportTests {
    @Test func theManualsFourExamples() throws {
        let simplest = try load(fixture("peter/simplest.xml"))
        #expect(simplest.result.format == .peter)
        #expect(simplest["p1"]?.cmd == ["sleep", "60"] && simplest["p1"]?.restart == .always)
        #expect(simplest.untranslatedLines == [3])  // <socket port="1024"/>

        let monitoring = try load(fixture("peter/monitoring.xml"))
        #expect(monitoring.specs.map(\.name) == ["p1", "diskspace", "diskcleaner"])
        #expect(monitoring["diskcleaner"]?.autostart == false)  // <init/>
        #expect(monitoring["diskspace"]?.scriptedFields == ["on_exit"])
        #expect(
            monitoring.result.lua.contains(
                """
                    if ev.result == 1 then  -- <exit result="1"> at line 12
                      ppm.stop("p1")
                      ppm.start("diskcleaner")
                      return "stop"
                    end
                """))

        let notification = try load(fixture("peter/notification.xml"))
        #expect(notification.specs.map(\.name) == ["P1"])  // FailNotification runs through ppm.spawn
        #expect(notification.result.lua.contains("run_FailNotification(ev)\n      return { action = \"restart\", after = 0 }"))

        let periodic = try load(fixture("peter/periodic.xml"))
        #expect(periodic["PeriodicStatus"]?.startAfter == 10)
        #expect(periodic.result.lua.contains("return { action = \"restart\", after = 120 }"))
    }

    @Test func placeholdersTakeTheValuesOfTheExit() throws {
        let out = try lua(
            with: [.peterFill],
            then: #"""
                return peter_fill('mail -text "UTC:Program NAME failed (RES/SIG)."', { name = "P1", pid = 7, signal = 9, utc = "2025-01-01T00:00:00Z" })
                """#)
        #expect(out == [.string(#"mail -text "2025-01-01T00:00:00Z:Program P1 failed (0/9).""#)])
    }

    @Test func errorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("<peter>\n<programs>\n<program name=\"a\"><cmd>x</cmd></progrm>\n</programs>\n</peter>\n", 3, "XML: closing tag does not match"),
            ("<programs>\n  <program name=\"a\">\n  </program>\n</programs>\n", 2, "program 'a' has no <cmd>"),
            (
                "<programs>\n<program name=\"a\"><cmd>x</cmd><actions>\n<exit result=\"1\"><start name=\"b\"/></exit>\n</actions></program>\n</programs>",
                3,
                "<start name=\"b\">: no program has that name"
            ),
            (
                "<programs>\n<program name=\"a\"><cmd>x</cmd><actions>\n<exit result=\"one\"/></actions></program></programs>", 3,
                "<exit result=\"one\">: expected a number"
            ),
            ("<jobs/>", 1, "expected <peter> or <programs>"),
        ]
        expectErrors(cases, path: "p.xml", format: .peter)
    }
}
