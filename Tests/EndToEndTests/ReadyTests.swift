import Foundation
import Testing

/// A TCP socket bound to a free port of 127.0.0.1, and that port.
func boundTCPSocket() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else {
        close(fd)
        throw SandboxError("no free port")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A TCP port nothing listens on right now.
func freeTCPPort() throws -> Int {
    let (fd, port) = try boundTCPSocket()
    close(fd)
    return port
}

/// Readiness end to end (SPEC 9): real programs tell the daemon they are
/// ready, dependents wait for it, and what cannot become ready is said.
@Suite(.serialized) struct ReadyTests {
    /// The journal's events of `type`, in order.
    func events(_ s: Sandbox, _ type: String) -> [[String: Any]] { s.events().filter { $0["type"] as? String == type } }

    /// The position in the journal of the first event of `type` for `name`.
    func position(_ s: Sandbox, _ type: String, _ name: String) -> Int? {
        s.events().firstIndex { $0["type"] as? String == type && $0["name"] as? String == name }
    }

    @Test func redisSaysReadyOverSdNotifyAndOnlyThenItsDependentStarts() throws {
        let s = try Sandbox()
        let port = try freeTCPPort()
        try s.write(
            """
            ppm.service { name = "db", ready = "notify", ready_timeout = "30s",
                          cmd = { "redis-server", "--supervised", "systemd", "--port", "\(port)", "--save", "", "--appendonly", "no",
                                  "--dir", "\(s.dir)" } }
            ppm.service { name = "web", requires = { "db" }, cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("web") == "running" }, "web: \(s.state("web") ?? "?"), db: \(s.state("db") ?? "?")")
        let ready = try #require(position(s, "ready", "db"), "redis never said READY=1")
        let webStart = try #require(position(s, "start", "web"))
        #expect(ready < webStart, "web started before db was ready")
        #expect((events(s, "ready").first?["after"] as? Double ?? -1) >= 0)
        let show = s.run("show", "db").stdout
        #expect(show.contains("ready      notify"), "\(show)")
        // redis says what it does with STATUS=.
        #expect(eventually { s.run("show", "db").stdout.contains("status     ") })
    }

    @Test func aLogLineReadinessGatesItsDependentAndShowsStartingMeanwhile() throws {
        let s = try Sandbox()
        try s.write("tick", to: "go")
        try s.write(
            """
            ppm.service { name = "api", ready = { log = "listening on %d+" },
                          cmd = { "/bin/sh", "-c", "echo booting; while [ -e \(s.dir)/go ]; do sleep 0.05; done; echo 'listening on 8080'; exec sleep 1000" } }
            ppm.service { name = "worker", requires = { "api" }, cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("api") == "starting" })
        #expect(s.state("worker") == "waiting")
        #expect(s.run("show", "api").stdout.contains("log (not ready yet)"))
        try FileManager.default.removeItem(atPath: s.dir + "/go")
        #expect(eventually { s.state("worker") == "running" })
        #expect(s.state("api") == "running")
        #expect(try #require(position(s, "ready", "api")) < (try #require(position(s, "start", "worker"))))
    }

    @Test func theDaemonsOwnReadyWaitsForItsServicesReadiness() throws {
        let s = try Sandbox()
        let listener = try NotifyListener(path: s.dir + "/systemd.sock")
        s.env["NOTIFY_SOCKET"] = listener.path
        try s.write("tick", to: "go")
        try s.write(
            """
            ppm.service { name = "slow", ready = "notify",
                          cmd = { "/bin/sh", "-c", "while [ -e \(s.dir)/go ]; do sleep 0.05; done; systemd-notify --ready; exec sleep 1000" } }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("slow") == "starting" })
        // The daemon's status went out (and says the service waits), its READY=1 not.
        #expect(listener.next { $0.contains("STATUS=") } != nil)
        #expect(!listener.received.contains { $0.contains("READY=1") }, "\(listener.received)")
        try FileManager.default.removeItem(atPath: s.dir + "/go")
        let ready = listener.next { $0.contains("READY=1") }
        #expect(ready != nil)
        #expect(s.state("slow") == "running")
    }

    @Test func aNewlineOnTheNotificationDescriptorIsReadiness() throws {
        let s = try Sandbox()
        try s.write("tick", to: "go")
        // fd 3 as s6 services use it, fd 7 elsewhere; the descriptor exists in the
        // service (and nothing else the daemon holds does: only 0-2 and it).
        try s.write(
            """
            ppm.service { name = "three", ready = { fd = 3 },
                          cmd = { "/bin/sh", "-c", "ls /proc/$$/fd > \(s.dir)/fds; while [ -e \(s.dir)/go ]; do sleep 0.05; done; echo >&3; exec sleep 1000" } }
            ppm.service { name = "seven", ready = { fd = 7 }, cmd = { "/bin/sh", "-c", "printf 'up\\n' >&7; exec sleep 1000" } }
            ppm.service { name = "closer", ready = { fd = 5 }, ready_timeout = "1s", restart = "never",
                          cmd = { "/bin/sh", "-c", "exec 5>&-; exec sleep 1000" } }
            ppm.service { name = "after", requires = { "three" }, cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("seven") == "running" })
        #expect(eventually { s.state("three") == "starting" })
        let fds = ((try? String(contentsOfFile: s.dir + "/fds", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int($0) }
        #expect(fds.contains(3), "fds \(fds)")
        #expect(s.state("after") == "waiting")
        try FileManager.default.removeItem(atPath: s.dir + "/go")
        #expect(eventually { s.state("after") == "running" })
        // Closed without a newline: never ready, a failed start at its ready_timeout.
        #expect(eventually { s.state("closer") == "crashed" })
        #expect(events(s, "exit").first { $0["name"] as? String == "closer" }?["error"] as? String == "not ready after 1 s")
    }

    @Test func aReloadKeepsTheReadinessAndHealthOfUnchangedServices() throws {
        let s = try Sandbox()
        let port = try freeTCPPort()
        let config = """
            ppm.service { name = "db", ready = "notify", health = { tcp = "127.0.0.1:\(port)", every = "200ms" },
                          cmd = { "python3", "-c", "import socket,subprocess; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', \(port))); s.listen(); subprocess.run(['systemd-notify', '--ready']); import time; time.sleep(1000)" } }
            ppm.service { name = "web", requires = { db = "healthy" }, cmd = "sleep 1000" }
            """
        try s.write(config)
        try s.startDaemon()
        #expect(eventually { s.state("web") == "running" })
        let pids = (s.pid("db"), s.pid("web"))
        #expect(s.services()["db"]?["health"] as? String == "healthy")
        try s.write(config + "\nppm.service { name = \"extra\", cmd = \"sleep 1000\" }\n")
        #expect(s.run("reload").status == 0)
        #expect(eventually { s.state("extra") == "running" })
        #expect(s.state("db") == "running" && s.services()["db"]?["health"] as? String == "healthy")
        #expect(s.pid("db") == pids.0 && s.pid("web") == pids.1)
        #expect(events(s, "ready").count == 1)
    }

    @Test func extendTimeoutUsecGivesASlowStartMoreTime() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "slow", ready = "notify", ready_timeout = "1s", restart = "never",
                          cmd = { "/bin/sh", "-c", "systemd-notify EXTEND_TIMEOUT_USEC=30000000; sleep 2; systemd-notify --ready; exec sleep 1000" } }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("slow") == "running" }, "\(s.state("slow") ?? "?")")
        #expect(events(s, "exit").isEmpty)
    }

    @Test func notReadyInTimeIsACrashWithItsReason() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "mute", ready = "notify", ready_timeout = "1s", restart = "never", cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("mute") == "crashed" })
        let exit = try #require(events(s, "exit").first)
        #expect(exit["outcome"] as? String == "crashed")
        #expect(exit["error"] as? String == "not ready after 1 s")
    }

    @Test func aFailedOnceJobBlocksWhatNeedsItToSucceedAndShowSaysWhy() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "migrate", once = true, cmd = { "/bin/sh", "-c", "exit 1" } }
            ppm.service { name = "web", requires = { "migrate" }, cmd = "sleep 1000" }
            ppm.service { name = "seed", once = true, cmd = "true" }
            ppm.service { name = "api", requires = { seed = "succeeded" }, cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("api") == "running" })
        #expect(eventually { s.state("migrate") == "crashed" })
        #expect(s.state("web") == "waiting")
        let show = s.run("show", "web").stdout
        #expect(show.contains("will not start: migrate crashed (it needed to succeed)"), "\(show)")
        // A health check for containers: web is not running.
        let health = s.run("health")
        #expect(health.status == 1)
        #expect(health.stdout.contains("web: waiting") && health.stdout.contains("migrate: crashed"), "\(health.stdout)")
        #expect(s.run("health", "api").status == 0)
        let json = s.run("health", "api", "web", "--json")
        #expect(json.status == 1 && json.stdout.contains(#""name":"api""#) && json.stdout.contains(#""ok":false"#))
        #expect(s.run("health", "nosuch").stderr == "ppm-lua: unknown service 'nosuch'\n")
    }

    @Test func aWatchdogThatStopsPingingMakesItUnhealthyAndItIsRestarted() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "pinger", ready = "notify", watchdog = "1s",
                          cmd = { "/bin/sh", "-c", "systemd-notify --ready; echo usec=$WATCHDOG_USEC; exec sleep 1000" } }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("pinger") == "running" })
        let first = try #require(s.pid("pinger"))
        #expect(eventually { !events(s, "unhealthy").isEmpty })
        #expect(events(s, "unhealthy").first?["error"] as? String == "no WATCHDOG=1 in 1 s")
        #expect(eventually { (s.pid("pinger") ?? first) != first })
        let exit = events(s, "exit").first
        #expect(exit?["cause"] as? String == "unhealthy")
        let log = (try? String(contentsOfFile: s.dir + "/home/logs/pinger.out.log", encoding: .utf8)) ?? ""
        #expect(log.contains("usec=1000000"))
    }

    @Test func aServiceThatSetsItsOwnWatchdogWithWatchdogUsecIsHeldToIt() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "pinger", ready = "notify",
                          cmd = { "/bin/sh", "-c", "systemd-notify --ready WATCHDOG_USEC=1000000; exec sleep 1000" } }
            """)
        try s.startDaemon()
        #expect(eventually { s.state("pinger") == "running" })
        let first = try #require(s.pid("pinger"))
        #expect(eventually { !events(s, "unhealthy").isEmpty })
        #expect(events(s, "unhealthy").first?["error"] as? String == "no WATCHDOG=1 in 1 s")
        #expect(eventually { (s.pid("pinger") ?? first) != first })
    }
}
