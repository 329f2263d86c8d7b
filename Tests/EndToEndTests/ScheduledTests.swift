import Foundation
import Testing

/// A service waiting for a schedule's next time is shown as scheduled, with
/// that time, and its scheduled runs are not restarts.
@Suite struct ScheduledTests {
    @Test func aScheduledJobIdlesAsScheduledAndItsRunsAreNotRestarts() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "job", cmd = "/bin/true",
                          restart = function(ev) return { action = "restart", after = ev.starts < 3 and 0.05 or 3600, scheduled = true } end }
            """)
        try box.startDaemon()
        #expect(eventually { box.run("ls").stdout.contains("scheduled, next ") })
        let row = box.run("ls").stdout.split(separator: "\n").first { $0.hasPrefix("job ") } ?? ""
        #expect(row.contains(#/scheduled, next \d\d:\d\d:\d\d/#), "\(row)")
        let show = box.run("show", "job", "--json").stdout
        let object = try JSONSerialization.jsonObject(with: Data(show.utf8)) as? [String: Any]
        #expect(object?["state"] as? String == "waiting")
        #expect(object?["scheduled"] as? Bool == true)
        #expect(object?["starts"] as? Int == 3)
        #expect(object?["restarts"] as? Int == 0)
        #expect(box.run("show", "job").stdout.contains("waiting (scheduled, next "))
    }
}
