import Foundation
import Testing

/// Output forwarding (SPEC 11): captured lines also reach the daemon's
/// stdout (`NAME | line`, or JSON Lines) or journald's socket, and a stuck
/// stdout drops forwarded lines, never the log files' lines.
@Suite struct ForwardTests {
    /// The daemon's stdout (and stderr: its log) as lines.
    func daemonOutput(_ box: Sandbox) -> [String] {
        ((try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func linesReachStdoutWithTheServicePrefixInOrder() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "web", cmd = { "/bin/sh", "-c", "for i in 1 2 3 4 5; do echo line $i; done; echo oops >&2; exec sleep 1000" } }
            ppm.service { name = "quiet", forward = false, cmd = { "/bin/sh", "-c", "echo hidden; exec sleep 1000" } }
            """)
        try box.startDaemon(["--forward"])
        #expect(eventually { daemonOutput(box).contains("web[err] | oops") }, "\(daemonOutput(box))")
        let web = daemonOutput(box).filter { $0.hasPrefix("web | ") }
        #expect(web == (1...5).map { "web | line \($0)" })
        #expect(eventually { box.run("logs", "quiet").stdout.contains("hidden") })
        #expect(!daemonOutput(box).contains { $0.contains("hidden") })
    }

    @Test func aReloadTurnsForwardingOn() throws {
        let box = try Sandbox()
        let service = #"ppm.service { name = "web", cmd = { "/bin/sh", "-c", "echo started $$; exec sleep 1000" } }"#
        try box.write(service)
        try box.startDaemon()
        #expect(eventually { box.run("logs", "web").stdout.contains("started") })
        #expect(!daemonOutput(box).contains { $0.contains("started") })
        try box.write(#"ppm.settings { forward = "stdout" }"# + "\n" + service)
        #expect(box.run("reload").status == 0)
        #expect(box.run("restart", "web").status == 0)
        #expect(eventually { daemonOutput(box).contains { $0.hasPrefix("web | started ") } }, "\(daemonOutput(box))")
    }

    @Test func jsonModeWritesOneParsableObjectPerLine() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { forward = "json" }
            ppm.service { name = "api", cmd = { "/bin/sh", "-c", "echo 'say \\"hi\\"'; echo bad >&2; exec sleep 1000" } }
            """)
        try box.startDaemon()
        func objects() -> [[String: Any]] {
            daemonOutput(box).compactMap { line in
                line.hasPrefix("{") ? (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] : nil
            }
        }
        #expect(eventually { objects().count >= 2 }, "\(daemonOutput(box))")
        let out = objects().first { $0["stream"] as? String == "stdout" }
        #expect(out?["service"] as? String == "api" && out?["line"] as? String == "say \"hi\"")
        #expect(((out?["time"] as? Double) ?? 0) > 1_700_000_000)
        let err = objects().first { $0["stream"] as? String == "stderr" }
        #expect(err?["line"] as? String == "bad")
    }

    @Test func journalModeSendsNativeDatagramsToTheSocket() throws {
        let box = try Sandbox()
        let socket = try DatagramListener(path: box.dir + "/journal.sock")
        box.env["PPM_LUA_JOURNAL_SOCKET"] = socket.path
        try box.write(
            """
            ppm.service { name = "db", forward = "journal", cmd = { "/bin/sh", "-c", "echo ready; echo failed >&2; exec sleep 1000" } }
            """)
        try box.startDaemon()
        var received: [[String: String]] = []
        #expect(
            eventually {
                received += socket.receive().map(DatagramListener.journalFields)
                return received.count >= 2
            })
        let ready = received.first { $0["MESSAGE"] == "ready" }
        #expect(ready?["SYSLOG_IDENTIFIER"] == "db" && ready?["PRIORITY"] == "6")
        #expect(ready?["SYSLOG_PID"] != nil && ready?["SYSLOG_PID"] == box.pid("db").map { String($0) })
        let failed = received.first { $0["MESSAGE"] == "failed" }
        #expect(failed?["PRIORITY"] == "3" && failed?["PPM_STREAM"] == "stderr")
        #expect(!daemonOutput(box).contains { $0.contains("ready") })
    }

    @Test func withoutJournaldLinesGoToSyslogAsRFC5424() throws {
        let box = try Sandbox()
        let socket = try DatagramListener(path: box.dir + "/log.sock")
        box.env["PPM_LUA_JOURNAL_SOCKET"] = box.dir + "/absent.sock"
        box.env["PPM_LUA_SYSLOG_SOCKET"] = socket.path
        try box.write(#"ppm.service { name = "db", cmd = { "/bin/sh", "-c", "echo hello syslog; exec sleep 1000" } }"#)
        try box.startDaemon(["--forward-journal"])
        var received: [String] = []
        #expect(
            eventually {
                received += socket.receive().map { String(decoding: $0, as: UTF8.self) }
                return !received.isEmpty
            })
        let message = received.first ?? ""
        #expect(message.wholeMatch(of: /<30>1 20\d\d-\d\d-\d\dT[0-9:.]+Z \S+ db \d+ - - hello syslog/) != nil, "\(message)")
    }

    @Test func aStuckStdoutDropsForwardedLinesButNotLogLines() throws {
        let box = try Sandbox()
        let lines = 20000
        try box.write(
            """
            ppm.settings { metrics = { address = "127.0.0.1:0" } }
            ppm.service { name = "chatty", cmd = { "/bin/sh", "-c", "i=0; while [ $i -lt \(lines) ]; do echo \\"line $i of a service that talks a lot\\"; i=$((i+1)); done; echo done; exec sleep 1000" } }
            """)
        let stuck = Pipe()  // nobody reads it
        _ = FileManager.default.createFile(atPath: box.daemonLog, contents: nil)
        let log = FileHandle(forWritingAtPath: box.daemonLog)!
        let daemon = try box.launch(["daemon", "-c", box.config, "--forward"], stdout: stuck, stderr: log)
        defer {
            _ = box.run(["quit"], deadline: 20)
            if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        }
        let file = box.dir + "/home/logs/chatty.out.log"
        #expect(eventually(60) { ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").hasSuffix("done\n") })
        let logged = ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(logged.count == lines + 1)
        #expect(logged.first == "line 0 of a service that talks a lot" && logged[lines - 1] == "line \(lines - 1) of a service that talks a lot")
        let status = box.run(["status", "--json"], deadline: 10)
        #expect(status?.status == 0)
        let forward = (try? JSONSerialization.jsonObject(with: Data((status?.stdout ?? "").utf8)) as? [String: Any])?["forward"] as? [String: Any]
        #expect(((forward?["dropped"] as? Int) ?? 0) > 0, "\(status?.stdout ?? "")")
        #expect(eventually(20) { box.events().contains { $0["type"] as? String == "forward_dropped" } })
        let port = try #require(box.metricsPort())
        let scrape = http(port, "/metrics")?.body ?? ""
        let dropped = scrape.split(separator: "\n").first { $0.hasPrefix("ppm_forward_dropped_lines_total ") }
        #expect((dropped.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) > 0, "\(scrape)")
    }
}
