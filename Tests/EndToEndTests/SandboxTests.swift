import Foundation
import Testing

/// SPEC 5.5: no Lua code blocks the daemon, and a chunk is stopped only by
/// the client that sent it (or by leaving). Every command here has a
/// deadline, so a daemon that hangs fails the test instead of stalling it.
@Suite struct SandboxEndToEndTests {
    private func daemon(_ config: String = "") throws -> Sandbox {
        let box = try Sandbox()
        try box.write(config)
        try box.startDaemon()
        return box
    }

    /// The daemon answers `status` within a few seconds.
    private func answers(_ box: Sandbox) -> Bool {
        box.run(["status"], deadline: 5)?.status == 0
    }

    @Test func aPatternMatchInsideCStopsAtTheBudget() throws {
        let box = try daemon()
        let started = Date()
        let out = try #require(box.run(["eval", "--timeout", "1", #"return ("a"):rep(20000):find(".-.-.-b")"#], deadline: 15))
        #expect(out.status == 1)
        #expect(out.stderr.contains("ran past its 1.0 s budget"), "\(out.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(answers(box))
    }

    @Test func aFinalizerIsRefusedAndCannotHangTheDaemon() throws {
        let box = try daemon()
        let out = try #require(box.run(["eval", "setmetatable({}, {__gc = function() while true do end end}); collectgarbage()"], deadline: 15))
        #expect(out.status == 1)
        #expect(out.stderr.hasPrefix("ppm-lua: repl:1: setmetatable: __gc is refused"), "\(out.stderr)")
        // Nor through the metatable of open files.
        let files = try #require(
            box.run(
                [
                    "eval",
                    """
                    pcall(function() getmetatable(io.stdout).__gc = function() while true do end end end)
                    local f = io.open("/dev/null") f = nil collectgarbage() return "collected"
                    """,
                ], deadline: 15))
        #expect(files.stdout == "\"collected\"\n")
        #expect(answers(box))
    }

    @Test func theEvalTimeoutIsCapped() throws {
        let box = try daemon()
        let out = try #require(box.run(["eval", "--timeout", "100000", "while true do end"], deadline: 15))
        #expect(out.status == 1)
        #expect(out.stderr.contains("at most 30 seconds"), "\(out.stderr)")
        // A client speaking the protocol directly gets the same answer.
        let raw = rawExchange(
            box.dir + "/home/ppm.sock", #"{"id": 1, "cmd": "eval", "args": {"code": "while true do end", "timeout": 0}}"# + "\n", replies: 1)
        #expect(raw.contains("\"ok\":false") && raw.contains("at most 30 seconds"))
        #expect(answers(box))
    }

    @Test func aClientThatGoesAwayStopsItsChunk() throws {
        let box = try daemon()
        let marker = box.dir + "/running"
        let eval = try box.launch(
            ["eval", "--timeout", "30", "io.open('\(marker)', 'w'):close() while true do end"],
            stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice)
        #expect(eventually { FileManager.default.fileExists(atPath: marker) })
        kill(eval.processIdentifier, SIGKILL)
        eval.waitUntilExit()
        #expect(answers(box))
    }

    @Test func aClientThatOnlyClosesItsWritingSideGetsItsRepliesAndKeepsItsChunk() throws {
        let box = try daemon()
        let lines =
            #"{"id": 1, "cmd": "eval", "args": {"code": "local t = os.clock() while os.clock() - t < 0.3 do end return 7"}}"# + "\n"
            + #"{"id": 2, "cmd": "status"}"# + "\n"
        let received = rawExchange(box.dir + "/home/ppm.sock", lines, replies: 2, closeWriting: true)
        #expect(received.contains(#"{"id":1,"ok":true,"result":{"output":"","values":["7"]}}"#), "\(received)")
        #expect(received.contains(#""id":2,"ok":true"#), "\(received)")
    }

    @Test func interruptStopsOnlyTheChunkOfTheConnectionThatAsked() throws {
        let box = try daemon()
        let socket = box.dir + "/home/ppm.sock"
        let marker = box.dir + "/running"
        let out = Pipe()
        let eval = try box.launch(
            [
                "eval", "--timeout", "20",
                """
                io.open('\(marker)', 'w'):close()
                local t = os.time() while os.time() - t < 2 do end
                return 'finished'
                """,
            ], stdout: out, stderr: FileHandle.nullDevice)
        #expect(eventually { FileManager.default.fileExists(atPath: marker) })
        let other = rawExchange(socket, #"{"id": 1, "cmd": "interrupt"}"# + "\n", replies: 1)
        #expect(other.contains("\"result\":false"), "\(other)")
        #expect(eventually(20) { !eval.isRunning })
        #expect(eval.terminationStatus == 0)
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "\"finished\"\n")
        // On its own connection, an interrupt stops the chunk.
        let own = rawExchange(
            socket,
            #"{"id": 1, "cmd": "eval", "args": {"code": "while true do end", "timeout": 20}}"# + "\n"
                + #"{"id": 2, "cmd": "interrupt"}"# + "\n", replies: 2)
        #expect(own.contains(#"{"id":2,"ok":true,"result":true}"#), "\(own)")
        // Stopped before it started (no traceback) or while it ran (with one).
        #expect(own.contains(#"{"error":"interrupted"#) && own.contains(#""id":1,"ok":false}"#), "\(own)")
        #expect(answers(box))
    }

    @Test func anInterruptNeverStopsAHook() throws {
        let marker = NSTemporaryDirectory() + "ppm-hook-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let box = try daemon(
            """
            ppm.settings { hook_timeout = 5 }
            ppm.after(0.2, function()
              io.open('\(marker)', 'w'):close()
              local t = os.time() while os.time() - t < 2 do end
              hook_finished = true
            end)
            """)
        #expect(eventually { FileManager.default.fileExists(atPath: marker) })
        let reply = rawExchange(box.dir + "/home/ppm.sock", #"{"id": 1, "cmd": "interrupt"}"# + "\n", replies: 1)
        #expect(reply.contains("\"result\":false"), "\(reply)")
        #expect(eventually(10) { box.run(["eval", "return hook_finished"], deadline: 10)?.stdout == "true\n" })
        #expect(!box.events().contains { $0["type"] as? String == "hook_error" })
    }
}

/// The REPL on a terminal: Ctrl-C (SIGINT) stops the REPL's own chunk and
/// nothing else, here a hook that runs at that moment.
@Suite struct ReplInterruptEndToEndTests {
    /// A pseudo-terminal's master end, read with deadlines.
    final class Terminal {
        let master: Int32
        let slave: Int32
        private(set) var text = ""

        init() throws {
            var m: Int32 = 0
            var s: Int32 = 0
            guard openpty(&m, &s, nil, nil, nil) == 0 else { throw SandboxError("openpty failed") }
            master = m
            slave = s
            _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        }

        deinit {
            close(master)
            close(slave)
        }

        func type(_ s: String) { _ = s.withCString { write(master, $0, strlen($0)) } }

        /// Reads until `needle` has appeared after `from` (a count of characters already seen).
        func waitFor(_ needle: String, after from: Int = 0, seconds: Double = 10) -> Bool {
            eventually(seconds) {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(master, &buffer, buffer.count)
                    if n <= 0 { break }
                    text += String(decoding: buffer[0..<n], as: UTF8.self)
                }
                return text.dropFirst(from).contains(needle)
            }
        }
    }

    @Test func ctrlCStopsTheReplsOwnChunkAndNeverAHook() throws {
        let marker = NSTemporaryDirectory() + "ppm-repl-hook-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { hook_timeout = 5 }
            function slow_hook()
              io.open('\(marker)', 'w'):close()
              local t = os.time() while os.time() - t < 2 do end
              hook_finished = true
            end
            """)
        try box.startDaemon()
        let terminal = try Terminal()
        let tty = FileHandle(fileDescriptor: terminal.slave, closeOnDealloc: false)
        let repl = try box.launch(["repl", "--timeout", "20"], stdout: tty, stderr: tty, stdin: tty)
        defer { if repl.isRunning { kill(repl.processIdentifier, SIGKILL) } }
        #expect(terminal.waitFor("ppm> "))
        // Ctrl-C while a hook runs and the REPL waits at its prompt.
        #expect(box.run(["eval", "ppm.after(0.1, slow_hook)"], deadline: 10)?.status == 0)
        #expect(eventually { FileManager.default.fileExists(atPath: marker) })
        kill(repl.processIdentifier, SIGINT)
        #expect(eventually(10) { box.run(["eval", "return hook_finished"], deadline: 10)?.stdout == "true\n" })
        #expect(!box.events().contains { $0["type"] as? String == "hook_error" })
        // Ctrl-C while the REPL's own chunk runs.
        let seen = terminal.text.count
        terminal.type("io.open('\(marker).2', 'w'):close() while true do end\r")
        #expect(eventually { FileManager.default.fileExists(atPath: marker + ".2") })
        try? FileManager.default.removeItem(atPath: marker + ".2")
        kill(repl.processIdentifier, SIGINT)
        #expect(terminal.waitFor("interrupted", after: seen))
        terminal.type("6 * 7\r")
        #expect(terminal.waitFor("42", after: seen))
        // Ctrl-D once the line editor reads again (not while the terminal is in cooked mode).
        let answer =
            terminal.text.dropFirst(seen).firstRange(of: "42").map { terminal.text.distance(from: terminal.text.startIndex, to: $0.upperBound) }
            ?? seen
        #expect(terminal.waitFor("ppm> ", after: answer))
        terminal.type("\u{4}")
        #expect(eventually { !repl.isRunning })
    }
}
