import Foundation
import Testing

/// Every journal event carries `seq`, `time` and `utc` (SPEC 5.2), whichever
/// part of the daemon wrote it.
@Suite struct JournalShapeTests {
    /// Provokes an entry of each writer (config, config_error, service
    /// events, a hook error inside an event and one from a timer), then reads
    /// the journal file line by line after `quit`.
    @Test func everyEventHasItsUTCTime() throws {
        let box = try Sandbox()
        try box.write(
            #"""
            ppm.after(0, function() error("timer boom") end)
            ppm.on("stop", function() error("stop boom") end)
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            """#)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        try box.write("ppm.service { name = ")
        #expect(box.run("reload").status != 0)
        try box.write(
            #"""
            ppm.on("stop", function() error("stop boom") end)
            ppm.service { name = "web", cmd = "/bin/sleep 1001" }
            """#)
        #expect(box.run("reload").status == 0)
        #expect(box.run("restart", "web").status == 0)
        #expect(box.run(["quit"], deadline: 30)?.status == 0)
        #expect(box.waitForDaemonExit() == 0)
        let text = try String(contentsOfFile: box.dir + "/home/events.jsonl", encoding: .utf8)
        let lines = text.split(separator: "\n")
        let events = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)") }
        let types = Set(events.compactMap { $0["type"] as? String })
        #expect(types.isSuperset(of: ["config", "config_error", "hook_error", "start", "stop", "exit"]), "\(types)")
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for (index, event) in events.enumerated() {
            let utc = event["utc"] as? String ?? ""
            let time = (event["time"] as? NSNumber)?.doubleValue ?? 0
            let stamped = parser.date(from: utc)?.timeIntervalSince1970 ?? 0
            #expect(utc.count == 24 && abs(stamped - time) < 0.002, "\(event)")
            #expect((event["seq"] as? NSNumber)?.intValue == index + 1, "\(event)")
        }
        let errors = events.filter { $0["type"] as? String == "hook_error" }.compactMap { $0["error"] as? String }
        #expect(errors.contains { $0.contains("timer boom") } && errors.contains { $0.contains("stop boom") }, "\(errors)")
    }
}
