import Foundation
import TestProcesses
import Testing

/// `ppm-lua logs` on a terminal shows a service's control characters
/// escaped (an OSC 52 clipboard write, a screen clear, a C1 CSI), keeping
/// tab; piped, with `--raw` or `--json` they come as they are.
@Suite struct LogsEscapingTests {
    @Test func onATerminalControlCharactersAreShownEscapedAndRawWhenPiped() throws {
        let script = "/usr/bin/script"
        try #require(FileManager.default.isExecutableFile(atPath: script), "needs util-linux script for a pseudo-terminal")
        let box = try Sandbox()
        // ESC ] 52 ; c ; base64 BEL (clipboard), tab, ESC [ 2 J (clear), and CSI as the C1 code point U+009B.
        try box.write("printf 'a\\033]52;c;aGk=\\007b\\tc\\033[2Jd\\302\\2331m\\n'; exec sleep 1000\n", to: "emit.sh")
        try box.write(
            """
            ppm.service { name = "web", cmd = "/bin/sh emit.sh" }
            """)
        try box.startDaemon()
        let rawLine = "a\u{1b}]52;c;aGk=\u{07}b\tc\u{1b}[2Jd\u{9b}1m"
        let escapedLine = "a\\x1b]52;c;aGk=\\x07b\tc\\x1b[2Jd\\u{9b}1m"
        #expect(eventually { box.run("logs", "web").stdout == rawLine + "\n" })  // piped: as written

        /// `ppm-lua ARGS` on a pseudo-terminal; what it printed there.
        func onTerminal(_ args: String) -> String {
            let p = TestProcess()
            p.executableURL = URL(fileURLWithPath: script)
            p.arguments = ["-qec", "'\(binary)' \(args)", "/dev/null"]
            p.environment = box.env
            p.currentDirectoryURL = URL(fileURLWithPath: box.dir)
            let out = Pipe()
            p.standardOutput = out
            p.standardInput = FileHandle.nullDevice
            try? p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        }
        #expect(onTerminal("logs web") == escapedLine + "\n")
        #expect(onTerminal("logs web --raw") == rawLine + "\n")
        #expect(onTerminal("logs web --json").contains("\\u001b]52;c;aGk="))
        // Following too (SIGKILL: the test runner's children may inherit SIGTERM blocked).
        let followed = onTerminal("logs web -f & sleep 1; kill -KILL $!")
        #expect(followed.contains(escapedLine + "\n"), "\(followed)")
        #expect(!followed.contains("\u{1b}"))
    }
}
