import Foundation
import Testing

/// Probes end to end (SPEC 9): tcp, http, exec and Lua readiness probes,
/// health checks that restart, and probes that never block the daemon.
@Suite(.serialized) struct ProbeTests {
    func events(_ s: Sandbox, _ type: String, _ name: String? = nil) -> [[String: Any]] {
        s.events().filter { $0["type"] as? String == type && (name == nil || $0["name"] as? String == name) }
    }

    /// A TCP listener the test holds: accepts, and never answers.
    final class SilentServer {
        let fd: Int32
        let port: Int
        init() throws {
            (fd, port) = try boundTCPSocket()
            guard listen(fd, 64) == 0 else { throw SandboxError("cannot listen") }
        }
        deinit { close(fd) }
    }

    @Test func tcpHttpAndExecReadinessGateDependentsAndAFailingHealthCheckRestarts() throws {
        let s = try Sandbox()
        let tcpPort = try freeTCPPort()
        let httpPort = try freeTCPPort()
        try FileManager.default.createDirectory(atPath: s.dir + "/www", withIntermediateDirectories: true)
        try s.write("ok", to: "www/health")
        try s.write(
            """
            -- Opens its port only after a second: the probe retries until then.
            ppm.service { name = "late", ready = { tcp = "127.0.0.1:\(tcpPort)" }, ready_every = "100ms",
                          cmd = { "python3", "-c", "import socket,time; time.sleep(1); s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', \(tcpPort))); s.listen(); time.sleep(1000)" } }
            ppm.service { name = "web", ready = { http = "http://127.0.0.1:\(httpPort)/health" },
                          health = { http = "http://127.0.0.1:\(httpPort)/health", every = "200ms", failures = 2 },
                          cmd = { "python3", "-m", "http.server", "\(httpPort)", "--bind", "127.0.0.1", "--directory", "\(s.dir)/www" } }
            ppm.service { name = "checked", ready = { exec = "test -e \(s.dir)/www/health" }, cmd = "sleep 1000" }
            ppm.service { name = "app", requires = { "late", web = "healthy", "checked" }, cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("app") == "running" }, "late \(s.state("late") ?? "?"), web \(s.state("web") ?? "?")")
        for name in ["late", "web", "checked"] {
            #expect(
                try #require(s.events().firstIndex { $0["type"] as? String == "ready" && $0["name"] as? String == name })
                    < (try #require(s.events().firstIndex { $0["type"] as? String == "start" && $0["name"] as? String == "app" })))
        }
        #expect(s.run("ls").stdout.contains("HEALTH"))
        #expect(s.run("health").status == 0)
        // The health URL starts answering 404: after two failed checks, web is restarted.
        let first = try #require(s.pid("web"))
        try FileManager.default.removeItem(atPath: s.dir + "/www/health")
        #expect(eventually { !events(s, "unhealthy", "web").isEmpty })
        let unhealthy = try #require(events(s, "unhealthy", "web").first)
        #expect(unhealthy["failures"] as? Int == 2)
        #expect((unhealthy["error"] as? String ?? "").contains("404"), "\(unhealthy)")
        #expect(eventually { (s.pid("web") ?? first) != first })
        #expect(events(s, "exit", "web").first?["cause"] as? String == "unhealthy")
    }

    @Test func aLuaProbeReadsAnHttpAnswerAndNeverBlocksTheDaemon() throws {
        let s = try Sandbox()
        let httpPort = try freeTCPPort()
        let silent = try SilentServer()
        try FileManager.default.createDirectory(atPath: s.dir + "/www", withIntermediateDirectories: true)
        try s.write(#"{"status": "yellow"}"#, to: "www/cluster")
        try s.write(
            """
            ppm.settings { hook_timeout = "200ms" }
            ppm.service { name = "search", ready_every = "100ms",
              ready = function(svc)
                local status, body = ppm.probe.http("http://127.0.0.1:\(httpPort)/cluster", { timeout = 2 })
                return status == 200 and body:match('"status"%s*:%s*"green"') ~= nil, "cluster: " .. tostring(body)
              end,
              cmd = { "python3", "-m", "http.server", "\(httpPort)", "--bind", "127.0.0.1", "--directory", "\(s.dir)/www" } }
            -- Waits on a server that never answers: the daemon goes on meanwhile.
            ppm.service { name = "stuck", ready_timeout = "30s",
              ready = function() local status = ppm.probe.http("http://127.0.0.1:\(silent.port)/", { timeout = 3 }) return status == 200 end,
              cmd = "sleep 1000" }
            -- Never yields: the budget stops each run, a failed check.
            ppm.service { name = "spin", ready_timeout = "30s", ready = function() while true do end end, cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("search") == "starting" && s.run("show", "search").stdout.contains("yellow") })
        for _ in 0..<50 { #expect(s.run(["status"], deadline: 2)?.status == 0) }
        try s.write(#"{"status": "green"}"#, to: "www/cluster")
        #expect(eventually { s.state("search") == "running" })
        #expect(s.state("stuck") == "starting" && s.state("spin") == "starting")
        #expect(eventually { s.run("show", "spin").stdout.contains("hook_timeout") }, "\(s.run("show", "spin").stdout)")
        #expect(eventually { s.run("show", "stuck").stdout.contains("timed out") }, "\(s.run("show", "stuck").stdout)")
    }

    @Test func ppmSleepInATimerDoesNotDelayOtherHooks() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.after(0.1, function() ppm.sleep(30) print("never before quit") end)
            ppm.every(0.1, function() print("tick") end)
            ppm.service { name = "a", cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { ((try? String(contentsOfFile: s.daemonLog, encoding: .utf8)) ?? "").components(separatedBy: "tick").count > 5 })
        #expect(s.run("status").status == 0)
    }
}
