import Foundation
import Testing

/// Hooks that decide may wait (SPEC 9: "They may be called from any hook or
/// timer the same way"): `on_exit`, restart policies and `on_health` call
/// `ppm.sleep` and `ppm.probe.*`; the service waits in its exit's state for
/// the answer while the daemon goes on answering, and `decide_timeout`
/// bounds the wait.
@Suite(.serialized) struct DecidingHookTests {
    func events(_ s: Sandbox, _ type: String, _ name: String) -> [[String: Any]] {
        s.events(name).filter { $0["type"] as? String == type }
    }

    @Test func anOnExitThatSleepsDecidesOnceItWakesAndTheDaemonAnswersMeanwhile() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "job", cmd = { "/bin/sh", "-c", "exit 3" },
                          on_exit = function(ev) ppm.sleep(1.5); return "fatal" end }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("job") == "crashed" })
        for _ in 0..<5 { #expect(s.run(["status"], deadline: 2)?.status == 0) }
        #expect(eventually { s.state("job") == "fatal" })
        #expect(events(s, "hook_error", "job").isEmpty, "\(events(s, "hook_error", "job"))")
        #expect((s.services()["job"]?["starts"] as? Int) == 1)
    }

    @Test func aRestartPolicyThatProbesDecidesFromTheAnswer() throws {
        let s = try Sandbox()
        let closed = try freeTCPPort()
        try s.write(
            """
            -- Restarts only while its database answers: it does not (nothing listens there).
            ppm.service { name = "worker", cmd = { "/bin/sh", "-c", "exit 1" },
                          restart = function(ev, svc)
                            local ok = ppm.probe.tcp("127.0.0.1:\(closed)", { timeout = 1 })
                            if ok then return "restart" end
                            ppm.log("policy of worker: stop")
                            return "stop"
                          end }
            """)
        try s.startDaemon()
        #expect(eventually { ((try? String(contentsOfFile: s.daemonLog, encoding: .utf8)) ?? "").contains("policy of worker: stop") })
        #expect(eventually { s.state("worker") == "crashed" })
        // Had the probe failed, the default policy would have restarted it.
        #expect((s.services()["worker"]?["starts"] as? Int) == 1 && s.services()["worker"]?["starts_in"] is NSNull)
        #expect(events(s, "hook_error", "worker").isEmpty, "\(events(s, "hook_error", "worker"))")
    }

    @Test func aDecisionThatWaitsPastDecideTimeoutIsAnErrorAndTheDefaultPolicyRestarts() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.settings { decide_timeout = "1s" }
            ppm.service { name = "job", cmd = { "/bin/sh", "-c", "exit 3" },
                          on_exit = function(ev) ppm.sleep(60); return "stop" end }
            """)
        try s.startDaemon()
        #expect(eventually { events(s, "hook_error", "job").contains { ($0["error"] as? String ?? "").contains("decide_timeout") } })
        #expect(eventually { ((s.services()["job"]?["starts"] as? Int) ?? 0) >= 2 })
    }

    @Test func onHealthMayWaitBeforeItDecides() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "api", cmd = "sleep 1000",
                          health = { every = "200ms", failures = 1, check = function() return false, "down" end },
                          on_health = function(ev)
                            if ev.type == "unhealthy" then ppm.sleep(0.3); return "stop" end
                          end }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("api") == "stopped" })
        #expect(events(s, "hook_error", "api").isEmpty, "\(events(s, "hook_error", "api"))")
        #expect(events(s, "exit", "api").first?["cause"] as? String == "unhealthy")
    }
}
