import Foundation
import Testing

/// `pre_start` and `post_stop` (SPEC 10) in a running daemon: pre_start runs
/// before the process, in its dir and env; a failing one keeps the process
/// from starting, with its stderr in the `spawn_failed` event; post_stop
/// runs after every exit, and `stop` waits for it.
@Suite struct ServiceCommandTests {
    private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func preStartRunsInTheServicesDirAndEnvBeforeItsProcess() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(atPath: box.dir + "/work", withIntermediateDirectories: true)
        try box.write(
            """
            ppm.service { name = "app", dir = "work", env = { STAGE = "prepared" },
              pre_start = { "echo $STAGE > pre.txt", { "/bin/sh", "-c", "pwd >> pre.txt" } },
              cmd = { "/bin/sh", "-c", "cat pre.txt > seen.txt; exec sleep 1000" } }
            """)
        try box.startDaemon()
        #expect(eventually { read(box.dir + "/work/seen.txt") == "prepared\n\(box.dir)/work\n" }, "\(read(box.dir + "/work/seen.txt"))")
        #expect(box.state("app") == "running")
        // A restart runs them again; its reply comes once the new process runs.
        try FileManager.default.removeItem(atPath: box.dir + "/work/pre.txt")
        let restart = box.run("restart", "app")
        #expect(restart.status == 0 && restart.stdout.contains("app: restarted (pid "), "\(restart.stdout)\(restart.stderr)")
        #expect(read(box.dir + "/work/pre.txt") == "prepared\n\(box.dir)/work\n")
    }

    @Test func aFailingPreStartKeepsTheProcessFromStartingWithItsStderrInTheEvent() throws {
        let box = try Sandbox()
        let ran = box.dir + "/ran"
        try box.write(
            """
            ppm.service { name = "api", once = true,
              pre_start = "echo checking the database; echo 'db.internal: connection refused' >&2; exit 3",
              cmd = { "/bin/sh", "-c", "touch \(ran); exec sleep 1000" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.events("api").contains { $0["type"] as? String == "spawn_failed" } })
        let failed = try #require(box.events("api").first { $0["type"] as? String == "spawn_failed" })
        let command = "echo checking the database; echo 'db.internal: connection refused' >&2; exit 3"
        #expect(failed["error"] as? String == "pre_start '\(command)' exited with status 3: db.internal: connection refused")
        #expect(failed["tail"] as? String == "db.internal: connection refused")
        #expect(box.state("api") == "crashed" && box.pid("api") == nil)
        #expect(!FileManager.default.fileExists(atPath: ran))
        // Asked again, it fails again, and `start` says why.
        let start = box.run("start", "api")
        #expect(start.status == 1)
        #expect(start.stderr.contains("api: could not start: pre_start '\(command)' exited with status 3"), "\(start.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ran))
    }

    @Test func aPreStartPastStartTimeoutFailsTheStart() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "slow", once = true, pre_start = "sleep 60", start_timeout = 1, cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        // Meanwhile it is starting, without a pid, and show says why (unless it already timed out).
        let show = box.run("show", "slow").stdout
        #expect(show.contains("state      starting (its pre_start commands run)") || show.contains("spawn failed"), "\(show)")
        #expect(eventually { box.events("slow").contains { $0["type"] as? String == "spawn_failed" } })
        let failed = try #require(box.events("slow").first { $0["type"] as? String == "spawn_failed" })
        #expect(failed["error"] as? String == "pre_start 'sleep 60' timed out after 1 s")
        #expect(box.pid("slow") == nil)
    }

    @Test func postStopRunsAfterEveryExitAndStopWaitsForIt() throws {
        let box = try Sandbox()
        let post = box.dir + "/post"
        try box.write(
            """
            ppm.settings { backoff = { interval = 0.1, max = 0.2 } }
            ppm.service { name = "flaky", restart = "always",
              post_stop = "echo $EXIT_CODE $EXIT_STATUS >> \(post)",
              cmd = { "/bin/sh", "-c", "sleep 0.2; exit 7" } }
            ppm.service { name = "web", post_stop = { "sleep 1", "echo cleaned >> \(box.dir)/web-post" },
              cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        // One line per exit, each after its run.
        #expect(eventually { read(post).split(separator: "\n").count >= 3 }, "\(read(post))")
        #expect(read(post).split(separator: "\n").prefix(3).allSatisfy { $0 == "exited 7" }, "\(read(post))")
        // Lines read first: each line follows its exit, so the exits counted after are as many or more.
        let lines = read(post).split(separator: "\n").count
        let exits = box.events("flaky").filter { $0["type"] as? String == "exit" }.count
        #expect(exits >= lines)

        // A stop on request: the reply comes once post_stop has run.
        #expect(eventually { box.state("web") == "running" })
        let stop = box.run("stop", "web")
        #expect(stop.status == 0)
        #expect(read(box.dir + "/web-post") == "cleaned\n")
        #expect(box.state("web") == "stopped")
    }

    @Test func aFailingPostStopIsJournaledAndNothingElse() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "job", once = true, post_stop = "echo cannot remove the lock >&2; exit 2",
              cmd = { "/bin/sh", "-c", "exit 0" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.events("job").contains { $0["type"] as? String == "command_failed" } })
        let failed = try #require(box.events("job").first { $0["type"] as? String == "command_failed" })
        #expect(failed["field"] as? String == "post_stop" && failed["error"] as? String == "exited with status 2")
        #expect(failed["tail"] as? String == "cannot remove the lock")
        #expect(box.state("job") == "finished")
    }
}
