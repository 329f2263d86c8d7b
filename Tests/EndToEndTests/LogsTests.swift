import Foundation
import Testing

/// Reads what a launched client prints, without blocking.
final class OutputCollector {
    let pipe = Pipe()
    private(set) var text = ""

    init() {
        let fd = pipe.fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Appends what is readable now and returns all text so far.
    @discardableResult
    func drain() -> String {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(pipe.fileHandleForReading.fileDescriptor, &buffer, buffer.count)
            if n <= 0 { return text }
            text += String(decoding: buffer[0..<n], as: UTF8.self)
        }
    }

    var lines: [String] { drain().split(separator: "\n").map(String.init) }
}

@Suite struct LogsTests {
    @Test func capturedLinesReachTheFilesAndLogsPrintsTheLastOnes() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "talk", cmd = { "/bin/sh", "-c", "for i in $(seq 1 30); do echo out $i; echo err $i >&2; done; exec sleep 1000" } }
            ppm.service { name = "own", cmd = { "/bin/sh", "-c", "echo mine; exec sleep 1000" }, stdout = "own.out" }
            """)
        try box.startDaemon()
        let log = box.dir + "/home/logs/talk.out.log"
        #expect(eventually { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("out 30\n") })
        #expect(box.run("logs", "talk", "-n", "3").stdout == "out 28\nout 29\nout 30\n")
        #expect(box.run("logs", "talk").stdout.split(separator: "\n").count == 20)
        #expect(box.run("logs", "talk", "--err", "-n", "2").stdout == "err 29\nerr 30\n")
        #expect(box.run("logs", "talk", "-n", "0").stdout == "")
        let json = box.run("logs", "talk", "-n", "1", "--json").stdout
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["name"] as? String == "talk" && object?["stream"] as? String == "out" && object?["line"] as? String == "out 30")
        #expect(eventually { box.run("logs", "own").stdout == "mine\n" })
        #expect(Set(box.run("logs", "all", "-n", "1").stdout.split(separator: "\n")) == ["own | mine", "talk | out 30"])
        let unknown = box.run("logs", "nosuch")
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown service 'nosuch'"))
        let ownFollow = box.run("logs", "own", "-f")
        #expect(ownFollow.status == 1 && ownFollow.stderr.contains("tail -F"))
    }

    /// `logs -f` keeps printing across restarts of the service and across
    /// rotations, and no line of a run is missing or repeated.
    @Test func followKeepsGoingAcrossRestartsAndRotations() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { backoff = { interval = 0 } }
            ppm.service { name = "tick", restart = "always", log_max_size = "300", log_keep = 1,
                          cmd = { "/bin/sh", "-c", "for i in $(seq 1 15); do echo run $$ line $i; sleep 0.02; done" } }
            """)
        try box.startDaemon()
        let out = OutputCollector()
        let follow = try box.launch(["logs", "tick", "-n", "0", "-f"], stdout: out.pipe)
        defer { follow.terminate() }
        // Three runs seen in full by the follower.
        func runs() -> [String: [Int]] {
            var byRun: [String: [Int]] = [:]
            for line in out.lines {
                let words = line.split(separator: " ")
                guard words.count == 4, let n = Int(words[3]) else { continue }
                byRun[String(words[1]), default: []].append(n)
            }
            return byRun
        }
        #expect(eventually(20) { runs().values.filter { $0.last == 15 }.count >= 3 })
        let complete = runs().values.filter { $0.first == 1 && $0.last == 15 }
        #expect(complete.count >= 2)
        for lines in complete { #expect(lines == Array(1...15)) }
        #expect(FileManager.default.fileExists(atPath: box.dir + "/home/logs/tick.out.log.1"))
        #expect(!FileManager.default.fileExists(atPath: box.dir + "/home/logs/tick.out.log.2"))
    }

    /// A child writing as fast as it can loses no line, even with
    /// rotations on the way, and a line over 64 KiB comes out in pieces.
    @Test func aFastWriterLosesNoLine() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "flood", once = true, log_max_size = "1M", log_keep = 5,
                          cmd = { "/bin/sh", "-c", "seq 1 200000; head -c 100000 /dev/zero | tr '\\\\0' x; echo; echo done" } }
            """)
        try box.startDaemon()
        #expect(eventually(30) { box.state("flood") == "finished" })
        let base = box.dir + "/home/logs/flood.out.log"
        var text = ""
        for suffix in [".5", ".4", ".3", ".2", ".1", ""] {
            text += (try? String(contentsOfFile: base + suffix, encoding: .utf8)) ?? ""
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 200_000 + 3)
        #expect(lines.prefix(200_000).elementsEqual((1...200_000).map { String($0) }[...]) { $0 == $1 })
        #expect(lines.dropFirst(200_000).map(\.count) == [65536, 100_000 - 65536, 4])
        #expect(FileManager.default.fileExists(atPath: base + ".1"))
    }

    @Test func exitEventsCarryTheLastLinesTheProcessWrote() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "dies", restart = "never", cmd = { "/bin/sh", "-c", "echo to stdout; for i in $(seq 1 12); do echo problem $i >&2; done; printf 'no newline' >&2; exit 4" },
                          on_exit = function(ev) seen_tail = ev.tail end }
            ppm.service { name = "quiet", restart = "never", cmd = { "/bin/sh", "-c", "echo only stdout; exit 2" } }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("dies") == "crashed" && box.state("quiet") == "crashed" })
        let exits = box.events().filter { $0["type"] as? String == "exit" }
        let tail = exits.first { $0["name"] as? String == "dies" }?["tail"] as? String
        #expect(tail == ((4...12).map { "problem \($0)" } + ["no newline"]).joined(separator: "\n"))
        #expect(exits.first { $0["name"] as? String == "quiet" }?["tail"] as? String == "only stdout")
        #expect(box.run("eval", "return seen_tail:match('no newline') ~= nil").stdout == "true\n")
        // The partial last line was written to the file as a line of its own.
        #expect(box.run("logs", "dies", "--err", "-n", "1").stdout == "no newline\n")
    }

    @Test func outputHooksReactToLines() throws {
        let box = try Sandbox()
        try box.write(
            """
            lines = 0
            ppm.on("output", function(line, stream, svc) lines = lines + 1 end)
            ppm.service { name = "watched", cmd = { "/bin/sh", "-c", "echo ready; sleep 0.3; echo FATAL boom >&2; exec sleep 1000" },
                          on_output = function(line, stream, svc)
                              if stream == "err" and line:find("FATAL") then ppm.restart(svc.name) end
                          end }
            """)
        try box.startDaemon()
        #expect(eventually { (box.services()["watched"]?["starts"] as? Int ?? 0) >= 2 })
        #expect(box.run("eval", "return lines >= 2").stdout == "true\n")
    }

    @Test func timestampsAndSizesAsAConfigWritesThem() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { log_max_size = "10M", log_keep = 3, log_timestamps = true }
            ppm.service { name = "stamped", cmd = { "/bin/sh", "-c", "echo hi; exec sleep 1000" } }
            ppm.service { name = "plain", log_timestamps = false, cmd = { "/bin/sh", "-c", "echo hi; exec sleep 1000" } }
            """)
        try box.startDaemon()
        let stamped = box.dir + "/home/logs/stamped.out.log"
        #expect(eventually { ((try? String(contentsOfFile: stamped, encoding: .utf8)) ?? "").hasSuffix(" hi\n") })
        let line = (try? String(contentsOfFile: stamped, encoding: .utf8)) ?? ""
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z hi\n$"#, options: .regularExpression) != nil)
        #expect(eventually { box.run("logs", "plain").stdout == "hi\n" })
        try box.write(#"ppm.service { name = "x", cmd = "true", log_max_size = "10X" }"#, to: "bad.lua")
        let bad = box.run("check", box.dir + "/bad.lua")
        #expect(bad.status != 0 && bad.stderr.contains("'log_max_size' is not a size: \"10X\""))
        try box.write(#"ppm.settings { log_keep = -1 }"#, to: "bad2.lua")
        #expect(box.run("check", box.dir + "/bad2.lua").stderr.contains("'log_keep' must not be negative"))
    }

    /// With the fd holder gone, a pipe has no writer between two runs of its
    /// service: the daemon stops watching it until the next run (no spin on
    /// the end of file) and still captures every run's lines.
    @Test func withoutTheHolderEachRunIsCapturedAndTheDaemonStaysIdle() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { backoff = { interval = 0.3 } }
            ppm.service { name = "blip", cmd = { "/bin/sh", "-c", "echo run; exit 1" } }
            """)
        try box.startDaemon()
        let holderCommand = (binary as NSString).deletingLastPathComponent + "/ppm-lua-fdholder " + box.dir + "/home/fdholder.sock 600"
        let holder = try #require(processes(holderCommand).first)
        kill(holder, SIGKILL)
        #expect(eventually { processes(holderCommand).isEmpty })
        let log = box.dir + "/home/logs/blip.out.log"
        func runs() -> Int { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count }
        let before = runs()
        let daemon = try #require(box.daemonProcess).processIdentifier
        let ticks = cpuTicks(daemon)
        #expect(eventually { runs() >= before + 3 })
        usleep(500_000)
        // A loop spinning on the end of file would burn every tick meanwhile.
        #expect(cpuTicks(daemon) - ticks < 100)
    }
}
