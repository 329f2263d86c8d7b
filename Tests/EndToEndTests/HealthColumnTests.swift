import Foundation
import Testing

/// `ls` shows a HEALTH column when any service has a check (SPEC 9), before
/// any verdict; without checks it has none.
@Suite(.serialized) struct HealthColumnTests {
    @Test func theColumnShowsWhenAServiceHasACheckEvenBeforeItsFirstVerdict() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "plain", cmd = "sleep 1000" }
            ppm.service { name = "later", autostart = false, cmd = "sleep 1000",
                          health = { exec = "true", every = "1h" } }
            ppm.service { name = "pinger", ready = "notify", watchdog = "1h",
                          cmd = { "/bin/sh", "-c", "systemd-notify --ready; systemd-notify WATCHDOG=1; exec sleep 1000" } }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("pinger") == "running" && s.state("plain") == "running" })
        let ls = s.run("ls").stdout
        let header = ls.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.hasSuffix("HEALTH"), "\(ls)")
        #expect(ls.split(separator: "\n").contains { $0.hasPrefix("later") && $0.hasSuffix("-") }, "\(ls)")
        // The watchdog alone judges: its first ping is a passed check.
        #expect(eventually { s.services()["pinger"]?["health"] as? String == "healthy" })
        #expect(s.services()["later"]?["health_check"] as? String == "exec")
        #expect(s.services()["pinger"]?["health_check"] as? String == "watchdog")
        #expect(s.run("show", "later").stdout.contains("health     exec check (no verdict yet)"))
    }

    @Test func withoutAnyCheckThereIsNoColumn() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "plain", cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("plain") == "running" })
        #expect(!s.run("ls").stdout.contains("HEALTH"))
    }
}
