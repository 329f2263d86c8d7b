import Foundation
import Testing

/// Every journal event carries `seq`, `time` and `utc` (SPEC 5.2), whichever
/// part of the daemon wrote it.
@Suite struct JournalShapeTests {
    @Test func everyEventHasItsUTCTime() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        try box.write("ppm.service { name = ")
        #expect(box.run("reload").status != 0)
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 1001" }"#)
        #expect(box.run("reload").status == 0)
        #expect(box.run("restart", "web").status == 0)
        let events = box.events()
        let types = Set(events.compactMap { $0["type"] as? String })
        #expect(types.isSuperset(of: ["config", "config_error", "start", "stop"]), "\(types)")
        for event in events {
            let utc = event["utc"] as? String ?? ""
            #expect(utc.count == 24 && utc.hasSuffix("Z") && event["seq"] != nil && event["time"] != nil, "\(event)")
        }
    }
}
