import Foundation
import Glibc
import PPMRuntime
import Testing

/// Whether a daemon started here can enforce memory and pids limits
/// (cgroup v2 controllers, or the v1 hierarchies of a hybrid system).
private let limitsHere: Bool = {
    let usable = LimitControllers.probe().usable
    return usable.contains("memory") && usable.contains("pids")
}()

/// SPEC 10's cgroup limits enforced: an allocation past `memory_max` is an
/// OOM kill (`oom = true`) the policy restarts; `pids_max` stops a fork loop
/// while the daemon answers; `show` and `stats` print the limits and use.
@Suite(.enabled(if: limitsHere, "no cgroup memory and pids controllers writable here (needs root or a delegated cgroup): limits are not enforced"))
struct LimitsEndToEndTests {
    /// Doubles a string to 128 MiB (awk is everywhere; python is not).
    static let hog = #"awk 'BEGIN { s = "xxxxxxxxxxxxxxxx"; while (length(s) < 100000000) s = s s; print length(s) }'"#

    @Test func anAllocationPastMemoryMaxIsAnOOMKillThePolicyRestarts() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { backoff = { interval = 0.2 } }
            ppm.service { name = "hog", cmd = { "/bin/sh", "-c", [[exec \(Self.hog)]] }, memory_max = "32M",
              on_exit = function(ev) if ev.oom then ppm.log("hook saw oom") end end }
            """)
        try box.startDaemon()
        var exits: [[String: Any]] = []
        #expect(
            eventually(20) {
                exits = box.events("hog").filter { $0["type"] as? String == "exit" }
                return exits.count >= 2 && box.services()["hog"]?["starts"] as? Int ?? 0 >= 3
            }, "\(exits)")
        let first = try #require(exits.first)
        #expect(first["oom"] as? Bool == true, "\(first)")
        #expect(first["signame"] as? String == "KILL" && first["outcome"] as? String == "crashed")
        let why = box.run("why", "hog").stdout
        #expect(why.contains("killed by the kernel: out of memory (memory_max 32M)"), "\(why)")
        let show = box.run("show", "hog").stdout
        #expect(show.contains("limits     memory_max 32M"), "\(show)")
        #expect(
            eventually(5) { ((try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? "").contains("hook saw oom") },
            "the exit hook sees ev.oom")
        #expect(box.run("quit").status == 0)
    }

    @Test func pidsMaxStopsAForkLoopWhileTheDaemonAnswers() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { backoff = { interval = 0.2 } }
            ppm.service { name = "forks", pids_max = 20, stop_timeout = 1,
              cmd = { "/bin/sh", "-c", "n=0; while [ $n -lt 200 ]; do sleep 60 & n=$((n+1)); done; echo all started; wait" } }
            ppm.service { name = "calm", cmd = { "sleep", "600" }, pids_max = 5, memory_max = "64M", cpu_max = "50%" }
            """)
        try box.startDaemon()
        var exit: [String: Any] = [:]
        #expect(
            eventually(20) {
                exit = box.events("forks").first { $0["type"] as? String == "exit" } ?? [:]
                return !exit.isEmpty
            })
        let tail = exit["tail"] as? String ?? ""
        #expect(tail.contains("fork") && !tail.contains("all started"), "\(exit)")
        for _ in 0..<5 { #expect(box.run("status").status == 0) }
        // `show` and `stats` print the limits with what the service uses of them.
        #expect(eventually(10) { box.state("calm") == "running" })
        let show = box.run("show", "calm").stdout
        #expect(show.contains("limits     memory_max 64M (using "), "\(show)")
        #expect(show.contains("cpu_max 50%, pids_max 5 (using 1)"), "\(show)")
        let stats = box.run("stats").stdout
        #expect(stats.contains("LIMITS (MAX/USED)") && stats.contains("pids_max 5/1"), "\(stats)")
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }
}

/// The limits' fields where nothing is enforced: load errors, `check --json`
/// and `export` (no cgroup needed).
@Suite struct LimitsFieldEndToEndTests {
    @Test func aBadValueIsALoadErrorNamingTheField() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "w", cmd = "sleep 1", cpu_max = "lots" }"#)
        let out = box.run("check", box.config)
        #expect(out.status == 1)
        #expect(out.stderr.contains("service 'w': 'cpu_max' must be a percentage of one CPU"), "\(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
    }

    @Test func checkJSONAndExportRoundTripTheLimits() throws {
        let box = try Sandbox()
        let service =
            #"ppm.service { name = "w", cmd = "sleep 600", memory_max = "64M", memory_high = "48M", cpu_max = "150%", pids_max = 30, io_weight = 200 }"#
        try box.write(service)
        let check = box.run("check", "--json", box.config)
        #expect(check.status == 0)
        let row = try #require((try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [[String: Any]])?.first)
        #expect(row["memory_max"] as? String == "64M" && row["memory_high"] as? String == "48M" && row["cpu_max"] as? String == "150%")
        #expect(row["pids_max"] as? Int == 30 && row["io_weight"] as? Int == 200)
        try box.startDaemon()
        let exported = box.run("export").stdout
        for line in [#"memory_max = "64M","#, #"memory_high = "48M","#, #"cpu_max = "150%","#, "pids_max = 30,", "io_weight = 200,"] {
            #expect(exported.contains(line), "\(exported)")
        }
        #expect(box.run("quit").status == 0)
        try box.write(exported, to: "exported.lua")
        let again = box.run("check", "--json", box.dir + "/exported.lua")
        let rowAgain = try #require((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [[String: Any]])?.first)
        for key in ["memory_max", "memory_high", "cpu_max", "pids_max", "io_weight"] {
            #expect("\(rowAgain[key] ?? "nil")" == "\(row[key] ?? "nil")", "\(key)")
        }
    }
}

/// Where no cgroup can enforce a limit: `check` warns, the daemon journals
/// `limits_unavailable` once (not at each start) and runs the service anyway.
@Suite struct LimitsUnavailableTests {
    @Test func limitsNothingEnforcesAreJournaledOnceAndTheServiceRuns() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { cgroups = false, backoff = { interval = 0.1 } }
            ppm.service { name = "short", cmd = { "/bin/sh", "-c", "sleep 0.1; exit 1" }, memory_max = "64M", pids_max = 10 }
            """)
        let check = box.run("check", box.config)
        #expect(check.status == 0)
        #expect(
            check.stderr.contains("warning: service 'short': memory_max, pids_max cannot be enforced here: services run without cgroups"),
            "\(check.stderr)")
        try box.startDaemon()
        #expect(eventually(20) { box.events("short").filter { $0["type"] as? String == "start" }.count >= 3 })
        let notes = box.events().filter { $0["type"] as? String == "limits_unavailable" }
        #expect(notes.count == 1, "\(notes)")
        #expect(notes.first?["limits"] as? [String] == ["memory_max", "pids_max"] && notes.first?["name"] as? String == "short")
        #expect((notes.first?["error"] as? String)?.contains("cgroups = false") == true, "\(notes)")
        #expect(box.run("show", "short").stdout.contains("memory_max 64M (not enforced here)"))
        #expect(box.run("quit").status == 0)
    }
}
