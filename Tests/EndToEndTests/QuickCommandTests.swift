import Foundation
import Testing

/// `status` and `ls` take a short way past the argument parser (#23 item
/// 4): what they print, on stdout and stderr, and their exit codes are the
/// parser's. `--timeout 30` (the default) sends the same command through
/// the parser, so each pair must agree, uptimes aside.
@Suite struct QuickCommandTests {
    /// The output with the seconds-old figures (uptime lines and values) masked.
    static func steady(_ output: Output) -> String {
        let text = (output.stdout + "\u{0}" + output.stderr + "\u{0}\(output.status)")
        return text.replacingOccurrences(of: #"uptime( *|":)[0-9.]+[a-z0-9.]*"#, with: "uptime#", options: .regularExpression)
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
}
