import Foundation
import Testing

/// `logs NAME --all`: stdout and stderr together, in the order their lines
/// arrived, each stderr line marked `[err]`.
@Suite struct LogsBothStreamsTests {
    /// A service writing out, err, out, err, each line only once the test has
    /// seen the one before (a file `stepN` lets it go on): the order is the
    /// order of writing, whatever the load.
    static let config = """
        ppm.service { name = "talk", autostart = false, log_timestamps = true, cmd = { "/bin/sh", "-c", [[
          echo first out; until [ -e step1 ]; do sleep 0.02; done
          echo first err >&2; until [ -e step2 ]; do sleep 0.02; done
          echo second out; until [ -e step3 ]; do sleep 0.02; done
          echo second err >&2; exec sleep 1000]] } }
        """

    @Test func followBothStreamsInArrivalOrderWithStderrMarked() throws {
        let box = try Sandbox()
        try box.write(Self.config)
        try box.startDaemon()
        let out = OutputCollector()
        // `-n 10`, not 0: a follower that connects after the first line was written (a
        // loaded machine) finds it in the history instead of missing it.
        let follow = try box.launch(["logs", "talk", "-n", "10", "-f", "--all"], stdout: out.pipe)
        defer { follow.terminate() }
        let group = OutputCollector()
        let followGroup = try box.launch(["logs", "all", "-n", "10", "-f", "--all"], stdout: group.pipe)
        defer { followGroup.terminate() }
        #expect(eventually { box.run("status").status == 0 })
        #expect(box.run("start", "talk").status == 0)
        let expected = ["first out", "[err] first err", "second out", "[err] second err"]
        for step in 1...4 {
            #expect(eventually { out.lines.count >= step && group.lines.count >= step }, "\(out.text)")
            if step < 4 { try box.write("", to: "step\(step)") }
        }
        func plain(_ lines: [String]) -> [String] {  // the history keeps log_timestamps' time in front of each text
            lines.map { line in
                let mark =
                    line.hasPrefix("[err] ") ? "[err] " : line.hasPrefix("talk[err] | ") ? "talk[err] | " : line.hasPrefix("talk | ") ? "talk | " : ""
                let text = line.dropFirst(mark.count)
                return mark + String(text.wholeMatch(of: /20\d\d-\d\d-\d\dT[0-9:.]+Z (.*)/)?.output.1 ?? text)
            }
        }
        #expect(plain(out.lines) == expected, "\(out.text)")
        #expect(plain(group.lines) == ["talk | first out", "talk[err] | first err", "talk | second out", "talk[err] | second err"], "\(group.text)")
        // The history has the same order (the lines carry timestamps).
        #expect(plain(box.run("logs", "talk", "--all", "-n", "3").stdout.split(separator: "\n").map(String.init)) == Array(expected.suffix(3)))
        let json = box.run("logs", "talk", "--all", "-n", "2", "--json").stdout.split(separator: "\n")
        #expect(json.count == 2 && json.first?.contains(#""stream":"out""#) == true && json.last?.contains(#""stream":"err""#) == true, "\(json)")
        let both = box.run("logs", "talk", "--all", "--err")
        #expect(both.status != 0 && both.stderr.contains("--err and --all"))
    }
}
