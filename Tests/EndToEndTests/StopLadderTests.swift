import Foundation
import Testing

/// Stop ladders and `stop_cmd` (SPEC 10) in a running daemon: the signals
/// arrive in order with the waits in between (measured from the journal),
/// `stop` says what it waits for at each step, `stop_cmd` runs instead of
/// the first signal and the ladder goes on when the service outlives it.
@Suite struct StopLadderTests {
    private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    private func event(_ events: [[String: Any]], _ type: String, signame: String? = nil) -> [String: Any]? {
        events.first { $0["type"] as? String == type && (signame == nil || $0["signame"] as? String == signame) }
    }

    @Test func aLadderSendsEachSignalAfterTheWaitBeforeItThenKill() throws {
        let box = try Sandbox()
        let got = box.dir + "/got"
        try box.write(
            """
            ppm.service { name = "web", stop_signal = { "QUIT", "1500ms", "TERM", "1500ms" },
              cmd = { "/bin/sh", "-c", "trap 'echo QUIT >> \(got)' QUIT; trap 'echo TERM >> \(got)' TERM; echo up >> \(got); while :; do sleep 0.1; done" } }
            steps = ""
            ppm.on("stop_step", function(ev) steps = steps .. ev.signame .. " " end)
            """)
        try box.startDaemon()
        #expect(eventually { read(got) == "up\n" })
        let pid = try #require(box.pid("web"))
        #expect(box.run("show", "web").stdout.contains("stop       QUIT, 1.5 s, TERM, 1.5 s, SIGKILL"))

        let stop = box.run("stop", "web")
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(stop.stdout.contains("web: still running (pid \(pid)) after QUIT; TERM in 1 s\n"), "\(stop.stdout)")
        #expect(stop.stdout.contains("web: still running (pid \(pid)) after TERM; SIGKILL in 1 s\n"), "\(stop.stdout)")
        #expect(stop.stdout.contains("web: stopped with SIGKILL after "), "\(stop.stdout)")
        #expect(stop.stdout.contains("(pid \(pid) ignored QUIT, TERM)"), "\(stop.stdout)")
        // The service saw QUIT first, then TERM (a signal may reach it twice: group and cgroup).
        let seen = read(got).split(separator: "\n").map(String.init)
        let firsts = seen.enumerated().filter { seen.firstIndex(of: $0.element) == $0.offset }.map(\.element)
        #expect(firsts == ["up", "QUIT", "TERM"], "\(seen)")

        let events = box.events("web")
        let began = try #require(event(events, "stop"))
        #expect(began["signame"] as? String == "QUIT")
        let term = try #require(event(events, "stop_step", signame: "TERM"))
        let kill = try #require(event(events, "stop_step", signame: "KILL"))
        let exit = try #require(event(events, "exit"))
        #expect(exit["signame"] as? String == "KILL" && exit["outcome"] as? String == "stopped")
        // The waits, from the journal: each step waited its time before the next.
        let (t0, t1, t2) = (began["time"] as! Double, term["time"] as! Double, kill["time"] as! Double)
        #expect(t1 - t0 >= 1.45 && t2 - t1 >= 1.45, "\(t1 - t0) \(t2 - t1)")
        #expect(t2 - t0 < 10, "\(t2 - t0)")
        #expect((term["after"] as? Double ?? 0) >= 1.45 && (kill["after"] as? Double ?? 0) >= 2.95)
        #expect(term["step"] as? Int == 2 && kill["step"] as? Int == 3)
        #expect(box.run("eval", "return steps").stdout == "\"TERM KILL \"\n")  // ppm.on("stop_step") hooks saw them
    }

    @Test func aStopCommandRunsFirstAndTheLadderGoesOnIfTheServiceIsStillThere() throws {
        let box = try Sandbox()
        let log = box.dir + "/log"
        try box.write(
            """
            -- Ignores TERM: only the ladder's INT ends it.
            ppm.service { name = "stubborn", stop_signal = { "TERM", 1, "INT", 5 },
              stop_cmd = "echo stop_cmd for $MAINPID >> \(log)",
              cmd = { "/bin/sh", "-c", "trap '' TERM; trap 'echo INT >> \(log); exit 0' INT; while :; do sleep 0.1; done" } }
            -- Its stop_cmd ends it: the ladder has nothing left to do.
            ppm.service { name = "polite", stop_timeout = 5, stop_cmd = { "/bin/sh", "-c", "kill -USR1 $MAINPID" },
              cmd = { "/bin/sh", "-c", "trap 'exit 0' USR1; while :; do sleep 0.1; done" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("stubborn") == "running" && box.state("polite") == "running" })
        let pid = try #require(box.pid("stubborn"))
        #expect(box.run("show", "stubborn").stdout.contains("stop       stop_cmd, 1.0 s, INT, 5.0 s, SIGKILL"))

        let stop = box.run("stop", "stubborn", "polite")
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(read(log).hasPrefix("stop_cmd for \(pid)\nINT\n"), "\(read(log))")
        let events = box.events()
        let began = try #require(events.first { $0["type"] as? String == "stop" && $0["name"] as? String == "stubborn" })
        #expect(began["stop_cmd"] as? String == "echo stop_cmd for $MAINPID >> \(log)")
        let step = try #require(events.first { $0["type"] as? String == "stop_step" && $0["name"] as? String == "stubborn" })
        #expect(step["signame"] as? String == "INT" && (step["after"] as? Double ?? 0) >= 0.95)
        let exit = try #require(events.first { $0["type"] as? String == "exit" && $0["name"] as? String == "stubborn" })
        #expect(exit["result"] as? Int == 0)
        // polite ended by its stop_cmd alone: no later step, no signal.
        #expect(!events.contains { $0["type"] as? String == "stop_step" && $0["name"] as? String == "polite" })
        let politeExit = try #require(events.first { $0["type"] as? String == "exit" && $0["name"] as? String == "polite" })
        #expect(politeExit["result"] as? Int == 0 && politeExit["outcome"] as? String == "stopped")
    }

    @Test func aFailingStopCommandIsJournaledAndTheStopStillHappens() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "web", stop_signal = { "HUP", 1, "TERM" }, stop_cmd = "echo no pidfile >&2; exit 4",
              cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        #expect(box.run("stop", "web").status == 0)
        #expect(box.state("web") == "stopped")
        let failed = try #require(box.events("web").first { $0["type"] as? String == "command_failed" })
        #expect(failed["field"] as? String == "stop_cmd" && failed["error"] as? String == "exited with status 4")
        #expect(failed["tail"] as? String == "no pidfile")
        // sleep ignored nothing: TERM (after the stop_cmd's second) ended it.
        let exit = try #require(box.events("web").first { $0["type"] as? String == "exit" })
        #expect(exit["signame"] as? String == "TERM")
    }

    @Test func theFieldsRoundTripThroughCheckExportAndReload() throws {
        let box = try Sandbox()
        // The ladder comes from a file the daemon does not watch: a change there waits for a reload.
        let data = box.dir + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try #"return { "QUIT", "2s", "TERM" }"#.write(toFile: data + "/ladder.lua", atomically: true, encoding: .utf8)
        try box.write(
            """
            ppm.service { name = "web", cmd = "/bin/sleep 1000", stop_signal = dofile(\(String(reflecting: data + "/ladder.lua"))),
              stop_timeout = 3, stop_cmd = { "/bin/kill", "-USR2", "0" },
              pre_start = { "true", { "/bin/true", "--ok" } }, post_stop = "true", start_timeout = 20 }
            """)
        let check = box.run("check", "--json", box.config)
        #expect(check.status == 0, "\(check.stderr)")
        let web = try #require((try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [[String: Any]])?.first)
        let fields = ["stop_signal", "stop_timeout", "stop_cmd", "pre_start", "post_stop", "start_timeout"]
        func text(_ o: [String: Any]) -> String {
            fields.map { key in
                let data = try? JSONSerialization.data(withJSONObject: o[key] ?? NSNull(), options: [.fragmentsAllowed, .withoutEscapingSlashes])
                return "\(key)=" + String(decoding: data ?? Data(), as: UTF8.self)
            }.joined(separator: " ")
        }
        #expect(
            text(web) == #"stop_signal=["QUIT",2,"TERM"] stop_timeout=3 stop_cmd=["/bin/kill","-USR2","0"] "#
                + #"pre_start=["true",["/bin/true","--ok"]] post_stop=["true"] start_timeout=20"#, "\(text(web))")

        // export, read back by check, gives the same fields.
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        let exported = box.run("export")
        #expect(exported.stdout.contains(#"stop_signal = { "QUIT", 2, "TERM" },"#), "\(exported.stdout)")
        #expect(exported.stdout.contains(#"pre_start = { "true", { "/bin/true", "--ok" } },"#), "\(exported.stdout)")
        try box.write(exported.stdout, to: "exported.lua")
        let again = box.run("check", "--json", box.dir + "/exported.lua")
        let reread = try #require((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(text(reread) == text(web))
        // A reload names the changed field.
        try #"return { "QUIT", "4s", "TERM" }"#.write(toFile: data + "/ladder.lua", atomically: true, encoding: .utf8)
        let dry = box.run("reload", "--dry-run")
        #expect(dry.stdout.contains("changed: web (stop_signal)"), "\(dry.stdout)")
    }
}
