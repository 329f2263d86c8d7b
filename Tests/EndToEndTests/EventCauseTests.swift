import Foundation
import Testing

/// Stop and start events say who asked: `cause` in the journal (#24 item 10).
@Suite struct EventCauseTests {
    @Test func theJournalSaysWhyAServiceStoppedAndStarted() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            ppm.service { name = "flaky", cmd = { "/bin/sh", "-c", "sleep 0.2; exit 1" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        #expect(box.run(["restart", "web"], deadline: 30)?.status == 0)
        #expect(box.run(["eval", "ppm.after(0, function() ppm.restart('web') end)"], deadline: 30)?.status == 0)
        func causes(_ name: String, _ type: String) -> [String] {
            box.events(name).filter { $0["type"] as? String == type }.map { ($0["cause"] as? String) ?? "-" }
        }
        #expect(eventually { causes("web", "start") == ["-", "cli", "hook"] }, "\(causes("web", "start"))")
        #expect(causes("web", "stop") == ["cli", "hook"])
        #expect(eventually { causes("flaky", "start").count >= 2 })
        #expect(causes("flaky", "start").prefix(2) == ["-", "policy"])
    }
}
