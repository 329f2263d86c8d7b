import Foundation
import Testing

/// The health of a `once` job that has finished (SPEC 9 is silent on it;
/// decided here): its checks stop when its process exits, `ls` shows no
/// verdict for it, and `ppm-lua health` passes it once it has finished
/// (exited 0): a migration must not keep a container unhealthy after it
/// did its work. A failed one does not pass.
@Suite(.serialized) struct OnceJobHealthTests {
    @Test func aFinishedOnceJobHasNoHealthAndIsNoLongerChecked() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "job", once = true,
                          cmd = { "/bin/sh", "-c", "while [ ! -e \(s.dir)/done ]; do sleep 0.05; done; exit 0" },
                          health = { exec = { "/bin/sh", "-c", "echo x >> \(s.dir)/probes" }, every = "0.2s" } }
            """)
        try s.startDaemon()
        #expect(eventually { s.services()["job"]?["health"] as? String == "healthy" })
        #expect(s.run("health", "job").status == 0)
        try s.write("", to: "done")
        #expect(eventually { s.state("job") == "finished" })
        let job = try #require(s.services()["job"])
        #expect(job["health"] is NSNull, "\(job)")
        let row = s.run("ls").stdout.split(separator: "\n").first { $0.hasPrefix("job") }
        #expect(row?.hasSuffix("-") == true, "\(row ?? "")")
        // No check runs after the exit: the probe's file stops growing.
        let probes = { ((try? String(contentsOfFile: s.dir + "/probes", encoding: .utf8)) ?? "").count }
        let before = probes()
        usleep(1_000_000)  // five intervals
        #expect(probes() == before)
        let events = s.events("job").compactMap { $0["type"] as? String }
        let exit = try #require(events.lastIndex(of: "exit"))
        #expect(!events[exit...].contains("healthy") && !events[exit...].contains("unhealthy"), "\(events)")
        // Finished: done, not unhealthy (by name and in the default set alike).
        #expect(s.run("health", "job").status == 0)
        #expect(s.run("health").status == 0)
    }

    @Test func aFailedOnceJobFailsHealth() throws {
        let s = try Sandbox()
        try s.write(#"ppm.service { name = "job", once = true, cmd = { "/bin/sh", "-c", "exit 3" } }"#)
        try s.startDaemon()
        #expect(eventually { s.state("job") == "crashed" })
        let health = s.run("health")
        #expect(health.status == 1 && health.stdout.contains("job: crashed"), "\(health.stdout)")
    }
}
