import Foundation
import Testing

/// The watchdog guards every turn of the daemon's loop, not only Lua calls.
@Suite struct WatchdogTurnTests {
    /// A turn stuck outside Lua (here writing a log line to a stderr pipe
    /// that is full and nobody reads) re-executes the daemon in place: the
    /// journal says `watchdog: a loop turn …`, the service keeps its pid,
    /// and once the pipe is read again the daemon answers.
    @Test func aLoopTurnStuckOutsideLuaReExecutesTheDaemon() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { watchdog = "1s" }
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            """)
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], 1031, 4096)  // F_SETPIPE_SZ
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        defer { close(ends[0]) }
        var drained = ""
        let drain = {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(ends[0], &buffer, buffer.count)
                if n <= 0 { break }
                drained += String(decoding: buffer[..<n], as: UTF8.self)
            }
        }
        let daemon = try box.launch(
            ["daemon", "-c", box.config], stdout: FileHandle.nullDevice,
            stderr: FileHandle(fileDescriptor: ends[1], closeOnDealloc: true))
        defer {
            drain()
            if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        }
        #expect(
            eventually(20) {
                drain()
                return box.run(["status"], deadline: 5)?.status == 0
            })
        let web = try #require(box.pid("web"))

        // Each reload logs a line; the one that finds the pipe full blocks its
        // turn, until the watchdog re-executes the daemon (its client sees
        // the connection close).
        var stuck = false
        for _ in 0..<300 where !stuck { stuck = box.run(["reload"], deadline: 5)?.status != 0 }
        #expect(stuck, "the reloads never filled the daemon's stderr")
        let journal = box.dir + "/home/events.jsonl"
        #expect(
            eventually(15) {
                ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").contains("watchdog: a loop turn ran past 1.0 s")
            })
        #expect(
            eventually(20) {
                drain()
                return box.run(["status"], deadline: 2)?.status == 0
            })
        #expect(box.pid("web") == web)
        #expect(daemon.isRunning)
        var quit: Output?
        #expect(
            eventually(20) {
                drain()
                quit = box.run(["quit"], deadline: 5)
                return quit?.status == 0
            }, "quit: \(quit.map { "\($0.status) \($0.stdout) \($0.stderr)" } ?? "no answer in 5 s"); daemon: \(drained.suffix(1500))")
    }
}
