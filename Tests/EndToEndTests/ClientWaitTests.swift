import Foundation
import Glibc
import Testing

/// What clients do while they wait (#29.9): a hung daemon is reported
/// after a timeout, `add -q` prints nothing but errors.
struct ClientWaitTests {
    @Test func aClientGivesUpOnAStoppedDaemonWithAClearMessage() throws {
        let box = try Sandbox()
        try box.write("ppm.service { name = \"s\", cmd = { \"/bin/sleep\", \"1000\" } }")
        try box.startDaemon()
        let daemon = try #require(box.daemonProcess).processIdentifier
        kill(daemon, SIGSTOP)
        defer { kill(daemon, SIGCONT) }
        let status = try #require(box.run(["status", "--timeout", "1"], deadline: 20), "status hangs on a stopped daemon")
        #expect(status.status == 1)
        #expect(status.stderr == "ppm-lua: the daemon did not answer within 1 s (--timeout to wait longer)\n")
        // The default is 30 s; `ls` and `stop` obey --timeout too.
        #expect(box.run(["ls", "--timeout", "0.5"], deadline: 20)?.stderr.contains("did not answer within 0.5 s") == true)
        #expect(box.run(["stop", "s", "--timeout", "1"], deadline: 20)?.stderr.contains("did not answer within 1 s") == true)
        kill(daemon, SIGCONT)
        // A daemon that answers late but within the timeout is waited for.
        #expect(box.run(["status", "--timeout", "5"], deadline: 20)?.status == 0)
    }

    @Test func aSlowStopIsNotCutByTheTimeoutOnceTheDaemonAnswers() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "slow", stop_timeout = 3, cmd = { "/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("slow") == "running" })
        let stop = box.run(["stop", "slow", "--timeout", "1"], deadline: 20)
        #expect(stop?.status == 0, "\(stop?.stderr ?? "no answer")")
    }

    @Test func addQuietPrintsNothingButErrors() throws {
        let box = try Sandbox()
        try box.write("")
        try box.startDaemon()
        let added = box.run("add", "-q", "--name", "quiet", "--", "/bin/sleep", "1000")
        #expect(added.status == 0)
        #expect(added.stdout == "")
        #expect(box.state("quiet") == "running")
        let again = box.run("add", "-q", "--name", "quiet", "--", "/bin/sleep", "1000")
        #expect(again.status != 0)
        #expect(again.stderr.hasPrefix("ppm-lua: "))
    }
}
