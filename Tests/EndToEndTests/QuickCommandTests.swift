import Foundation
import Testing

/// `status`, `ls`, `start`, `stop`, `restart`, `events` and `logs` take a
/// short way past the argument parser (#23 item 4): what they print, on
/// stdout and stderr, and their exit codes are the parser's. `--timeout 30` (the default) sends the same command through
/// the parser, so each pair must agree, uptimes aside.
@Suite struct QuickCommandTests {
    /// The output with the seconds-old figures (uptime lines and values) masked.
    static func steady(_ output: Output) -> String {
        let text = (output.stdout + "\u{0}" + output.stderr + "\u{0}\(output.status)")
        return text.replacingOccurrences(of: #"uptime( *|":)[0-9.]+[a-z0-9.]*"#, with: "uptime#", options: .regularExpression)
            .replacingOccurrences(of: #"(pid |, )[0-9.]+( s)?\)"#, with: "$1#)", options: .regularExpression)
    }

    @Test func statusAndLsPrintWhatTheParsedCommandsPrint() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "idle", cmd = "sleep 1000", autostart = false }
            ppm.service { name = "done", cmd = "true", once = true }
            """)
        try box.startDaemon()
        #expect(eventually(20) { box.state("done") == "finished" })
        let socket = box.dir + "/home/ppm.sock"
        let lines: [[String]] = [
            ["status"], ["status", "--json"], ["ls"], ["ls", "--json"], ["list"], ["info", "--json"],
            ["ls", "--socket", socket], ["status", "--json", "--socket=\(socket)"],
            ["status", "--socket", box.dir + "/nobody.sock"], ["ls", "--json", "--socket", box.dir + "/nobody.sock"],
        ]
        for words in lines {
            let quick = box.run(words)
            let parsed = box.run(words + ["--timeout", "30"])
            #expect(Self.steady(quick) == Self.steady(parsed), "\(words)")
        }
        #expect(box.run(["status", "--socket", box.dir + "/nobody.sock"]).status == 3)
        #expect(box.run(["ls"]).stdout.contains("idle"))
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }

    /// The service commands, `events` and `logs`: each line once the short
    /// way and once through the parser (`--timeout 30`), in a state where
    /// both give the same answer (a stop of a stopped service, a start of
    /// one started), and their usage errors, which the parser gives.
    @Test func serviceCommandsEventsAndLogsPrintWhatTheParsedCommandsPrint() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "idle", cmd = "sleep 1000", autostart = false }
            ppm.service { name = "said", cmd = "sh -c 'echo one; echo two >&2; echo three'", once = true }
            """)
        try box.startDaemon()
        #expect(eventually(20) { box.state("said") == "finished" })
        let socket = box.dir + "/home/ppm.sock"
        let started = box.run(["start", "idle"])
        #expect(started.status == 0 && started.stdout.hasPrefix("idle: started (pid "), "\(started)")
        let lines: [[String]] = [
            ["start", "idle"], ["start", "-q", "idle"], ["start", "nosuch"], ["start", "idle", "nosuch", "--quiet"],
            ["restart", "nosuch"], ["stop", "nosuch", "--socket", socket], ["start"], ["stop", "--err", "idle"],
            ["events"], ["events", "-n", "3"], ["events", "said", "--json"], ["events", "-n", "2", "idle", "--socket=\(socket)"],
            ["events", "-n", "x"], ["events", "a", "b"],
            ["logs", "said"], ["logs", "said", "--err"], ["logs", "-n", "2", "--all", "said"], ["logs", "said", "idle", "--json"],
            ["logs", "--raw", "@nosuch"], ["logs"], ["logs", "said", "--err", "--all"], ["logs", "said", "-n"],
            ["logs", "said", "--socket", box.dir + "/nobody.sock"],
        ]
        for words in lines {
            let quick = box.run(words)
            let parsed = box.run(words + ["--timeout", "30"])
            #expect(Self.steady(quick) == Self.steady(parsed), "\(words)")
        }
        #expect(box.run(["logs", "said", "--all"]).stdout.contains("[err] two\n"))
        let stopped = box.run(["stop", "idle"])
        #expect(stopped.status == 0 && stopped.stdout.hasPrefix("idle: stopped (pid "), "\(stopped)")
        #expect(Self.steady(box.run(["stop", "idle"])) == Self.steady(box.run(["stop", "idle", "--timeout", "30"])))
        #expect(box.run(["ls"]).stdout.contains("idle"))
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }
}
