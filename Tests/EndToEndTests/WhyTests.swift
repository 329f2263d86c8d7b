import Foundation
import Testing

/// `ppm-lua why NAME` (SPEC 11): each case a user asks about, answered by
/// the daemon from its live state and journal in one request.
@Suite struct WhyTests {
    /// `why --json NAME` as an object (empty when it failed).
    func why(_ s: Sandbox, _ name: String) -> [String: Any] {
        let out = s.run("why", "--json", name)
        guard out.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] else { return [:] }
        return object
    }

    func reason(_ s: Sandbox, _ name: String) -> String? { why(s, name)["reason"] as? String }

    @Test func aCrashLoopSaysTheBackoffAndWhenTheNextStartIs() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "api", cmd = { "/bin/sh", "-c", "echo 'Error: port 8080 in use' >&2; exit 3" } }
            """)
        try s.startDaemon()
        #expect(eventually { reason(s, "api") == "backoff" && (why(s, "api")["exits"] as? [Any])?.count ?? 0 >= 2 })
        let answer = why(s, "api")
        let text = answer["text"] as? String ?? ""
        let next = try #require(answer["next_start"] as? Double, "\(answer)")
        #expect(next > Date().timeIntervalSince1970 - 1)
        #expect(text.contains("crashed") && text.contains("exited with status 3") && text.contains("the next start is at"), "\(text)")
        #expect(text.contains("Error: port 8080 in use"), "the stderr tail: \(text)")
        let plain = s.run("why", "api")
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("Recent exits") && plain.stdout.contains("| Error: port 8080 in use"), "\(plain.stdout)")
    }

    @Test func aDependentSaysWhichConditionItWaitsForAndWhetherItCanStillBeMet() throws {
        let s = try Sandbox()
        let port = try freeTCPPort()
        try s.write(
            """
            ppm.service { name = "db", cmd = "sleep 1000", ready = { tcp = "127.0.0.1:\(port)" }, ready_every = "0.1s" }
            ppm.service { name = "web", cmd = "sleep 1000", requires = { db = "ready" } }
            ppm.service { name = "migrate", cmd = "false", once = true }
            ppm.service { name = "app", cmd = "sleep 1000", requires = { "migrate" } }
            """)
        try s.startDaemon()
        #expect(eventually { reason(s, "web") == "requires" })
        let web = why(s, "web")
        let requirement = try #require((web["requires"] as? [[String: Any]])?.first)
        #expect(requirement["name"] as? String == "db" && requirement["condition"] as? String == "ready")
        #expect(requirement["possible"] as? Bool == true && requirement["met"] as? Bool == false)
        #expect((web["text"] as? String ?? "").contains("waiting for db to be ready: db is starting"), "\(web)")
        #expect((web["text"] as? String ?? "").contains("can still happen"), "\(web)")

        #expect(eventually { reason(s, "app") == "blocked" })
        let app = why(s, "app")
        let blocked = try #require((app["requires"] as? [[String: Any]])?.first)
        #expect(blocked["condition"] as? String == "succeeded" && blocked["possible"] as? Bool == false)
        #expect((app["text"] as? String ?? "").contains("can no longer happen"), "\(app)")
    }

    @Test func aServiceThatCannotBeSpawnedSaysItGaveUpAndTheError() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.settings { backoff = { interval = "50ms", max = "100ms" } }
            ppm.service { name = "ghost", cmd = "\(s.dir)/no-such-program" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("ghost") == "fatal" })
        let answer = why(s, "ghost")
        #expect(answer["reason"] as? String == "spawn_failed" && answer["state"] as? String == "fatal", "\(answer)")
        let text = answer["text"] as? String ?? ""
        #expect(text.contains("gave up (fatal) after 5 spawn failures") && text.contains("No such file or directory"), "\(text)")
    }

    @Test func anUnhealthyServiceShowsItsLastProbeMessages() throws {
        let s = try Sandbox()
        let port = try freeTCPPort()
        try s.write(
            """
            ppm.service { name = "cache", cmd = "sleep 1000",
                          health = { tcp = "127.0.0.1:\(port)", every = "0.1s", timeout = "1s", failures = 2 },
                          on_health = function(ev) return nil end }
            """)
        try s.startDaemon()
        #expect(eventually { reason(s, "cache") == "unhealthy" })
        let answer = why(s, "cache")
        let messages = answer["probe_messages"] as? [String] ?? []
        #expect(messages.first?.contains("127.0.0.1:\(port)") == true, "\(answer)")
        #expect((answer["text"] as? String ?? "").contains("but is unhealthy"), "\(answer)")
    }

    @Test func aServiceKilledByASignalNamesTheSignal() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "segv", cmd = { "/bin/sh", "-c", "echo 'about to fall over' >&2; kill -SEGV $$" }, restart = "never" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("segv") == "crashed" })
        let answer = why(s, "segv")
        #expect(answer["reason"] as? String == "signal", "\(answer)")
        let text = answer["text"] as? String ?? ""
        #expect(text.contains("killed by signal SEGV") && text.contains("restart = \"never\""), "\(text)")
        #expect(text.contains("about to fall over"), "\(text)")
    }

    @Test func aServiceStoppedFromTheCLISaysWhoStoppedItAndThatItStaysDown() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "worker", cmd = "sleep 1000" }
            ppm.service { name = "off", cmd = "sleep 1000", disabled = true }
            ppm.service { name = "later", cmd = "sleep 1000", autostart = false }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("worker") == "running" })
        #expect(reason(s, "worker") == "running")
        #expect(s.run("stop", "worker").status == 0)
        let answer = why(s, "worker")
        #expect(answer["reason"] as? String == "held", "\(answer)")
        #expect((answer["text"] as? String ?? "").contains("ppm-lua stop (on the unix socket) stopped it"), "\(answer)")
        #expect(((answer["request"] as? [String: Any])?["cmd"] as? String) == "stop")
        #expect(reason(s, "off") == "disabled")
        #expect(reason(s, "later") == "not_started")
        let unknown = s.run("why", "nobody")
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown service 'nobody'"), "\(unknown)")
    }
}
