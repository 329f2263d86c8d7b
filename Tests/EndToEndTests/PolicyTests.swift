import Foundation
import Testing

/// Times (unix seconds) of a service's events of one type.
func times(_ events: [[String: Any]], _ type: String) -> [Double] {
    events.filter { $0["type"] as? String == type }.compactMap { $0["time"] as? Double }
}

@Suite struct PolicyEndToEndTests {
    @Test func crashesBackOffOneThenTwoSeconds() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "crash", cmd = { "/bin/sh", "-c", "exit 1" } }"#)
        try box.startDaemon()
        #expect(eventually(15) { times(box.events("crash"), "start").count >= 3 })
        let starts = times(box.events("crash"), "start")
        let exits = times(box.events("crash"), "exit")
        let first = starts[1] - exits[0]
        let second = starts[2] - exits[1]
        #expect(first >= 0.95 && first < 1.6, "first delay \(first)")
        #expect(second >= 1.95 && second < 2.6, "second delay \(second)")
        let crashes = box.events("crash").filter { $0["type"] as? String == "exit" }.compactMap { $0["crashes"] as? Int }
        #expect(Array(crashes.prefix(2)) == [1, 2])
    }

    @Test func onExitCanRestartAtOnceAndGiveUp() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "quick", cmd = { "/bin/sh", "-c", "exit 2" }, on_exit = function(ev)
              if ev.starts >= 5 then return "fatal" end
              return { action = "restart", after = 0 }
            end }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("quick") == "fatal" })
        #expect(times(box.events("quick"), "start").count == 5)
        #expect(box.events("quick").last?["type"] as? String == "fatal")
    }

    @Test func waitHoldsLaterServicesAndRequiresOrdersStarts() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "migrate", cmd = { "/bin/sh", "-c", "sleep 0.5" }, wait = true, once = true }
            ppm.service { name = "web", cmd = "/bin/sleep 1000", requires = { "db" } }
            ppm.service { name = "db", cmd = "/bin/sleep 1000", start_after = "300ms" }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        let events = box.events()
        func seq(_ type: String, _ name: String) -> Int {
            events.first { $0["type"] as? String == type && $0["name"] as? String == name }?["seq"] as? Int ?? -1
        }
        #expect(seq("exit", "migrate") < seq("start", "db"))
        #expect(seq("start", "db") < seq("start", "web"))
        #expect(box.state("migrate") == "finished")
    }

    @Test func runawayHooksAreContainedAndTheDaemonAnswers() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { hook_timeout = 1, memory_limit = 16 * 1024 * 1024 }
            ppm.service { name = "loop", cmd = { "/bin/sh", "-c", "exit 1" }, once = true,
              on_exit = function() while true do pcall(function() while true do end end) end end }
            ppm.service { name = "hog", cmd = { "/bin/sh", "-c", "exit 1" }, once = true,
              on_exit = function() local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 65536) .. i end end }
            ppm.service { name = "bad", cmd = { "/bin/sh", "-c", "exit 1" }, once = true,
              on_exit = function() error("oops") end }
            """)
        try box.startDaemon()
        #expect(eventually { box.events().filter { $0["type"] as? String == "hook_error" }.count == 3 })
        let errors = box.events().filter { $0["type"] as? String == "hook_error" }
        func error(_ name: String) -> String { errors.first { $0["name"] as? String == name }?["error"] as? String ?? "" }
        #expect(error("loop").contains("hook_timeout"))
        #expect(error("hog").contains("memory_limit"))
        #expect(error("bad").contains("ppm.lua:7: oops"))
        #expect(error("bad").contains("stack traceback"))
        #expect(box.run("status").status == 0)
        #expect(box.state("loop") == "crashed")
        #expect(box.run("eval", "return 6 * 7").stdout == "42\n")
    }

    @Test func globalHooksAndSpawnRunWithoutBlocking() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.on("exit", function(ev)
              ppm.spawn({ "/bin/sh", "-c", "cat > \(box.dir)/notified" }, { stdin = ev.name .. " " .. ev.result })
            end)
            ppm.service { name = "job", cmd = { "/bin/sh", "-c", "exit 4" }, once = true }
            ppm.spawn({ "/bin/sh", "-c", "echo from-config > \(box.dir)/at-load" })
            """)
        #expect(box.run("check", "ppm.lua").status == 0)
        #expect(!FileManager.default.fileExists(atPath: box.dir + "/at-load"))  // check starts nothing
        try box.startDaemon()
        #expect(eventually { (try? String(contentsOfFile: box.dir + "/notified", encoding: .utf8)) == "job 4" })
        #expect(eventually { (try? String(contentsOfFile: box.dir + "/at-load", encoding: .utf8)) == "from-config\n" })
    }
}

/// Writes `lines` to the socket and reads until `replies` lines came back
/// (with `closeWriting`, shuts down the writing side first, as `echo … | socat` does).
func rawExchange(_ path: String, _ lines: String, replies: Int, closeWriting: Bool = false) -> String {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard rc == 0 else { return "" }
    _ = lines.withCString { write(fd, $0, strlen($0)) }
    if closeWriting { shutdown(fd, Int32(SHUT_WR)) }
    var received = ""
    var buffer = [UInt8](repeating: 0, count: 4096)
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    while received.split(separator: "\n").count < replies {
        let n = read(fd, &buffer, buffer.count)
        if n <= 0 { break }
        received += String(decoding: buffer[0..<n], as: UTF8.self)
    }
    return received
}

@Suite struct ControlEndToEndTests {
    @Test func stopStartRestartSignalAndRemove() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "a", cmd = "/bin/sleep 1000", groups = { "g" } }
            ppm.service { name = "b", cmd = "/bin/sleep 1000", groups = { "g" } }
            ppm.service { name = "m", cmd = "/bin/sleep 1000", autostart = false }
            """)
        try box.startDaemon()
        #expect(box.state("m") == "stopped")
        let a = try #require(box.pid("a"))
        #expect(box.run("stop", "@g").status == 0)
        #expect(!alive(a))
        #expect(box.state("a") == "stopped" && box.state("b") == "stopped")
        #expect(box.run("start", "a", "m").status == 0)
        #expect(eventually { box.state("a") == "running" && box.state("m") == "running" })
        let m = try #require(box.pid("m"))
        #expect(box.run("restart", "m").status == 0)
        #expect(eventually { box.pid("m") != nil && box.pid("m") != m })
        #expect(box.run("signal", "STOP", "m").status == 0)
        #expect(eventually { box.state("m") == "paused" })
        #expect(box.run("rm", "m").status == 0)
        #expect(box.services()["m"] == nil)
        let unknown = box.run("stop", "nope")
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "ppm-lua: unknown service 'nope'\n")
        let show = box.run("show", "a", "--json")
        #expect(show.stdout.contains("\"name\":\"a\""))
        #expect(box.run("show", "zzz").status == 1)
    }

    @Test func evalPrintsValuesAndFailsWithTraceback() throws {
        let box = try Sandbox()
        try box.write("")
        try box.startDaemon()
        let ok = box.run("eval", "print('hello') return { b = 2, a = { 1 } }, ppm.version")
        #expect(ok.status == 0)
        #expect(ok.stdout == "hello\n{ a = { 1 }, b = 2 }\n\"0.1.0\"\n")
        let bad = box.run("eval", "local x = nil\nreturn x.y")
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("ppm-lua: repl:2: attempt to index a nil value"))
        #expect(bad.stderr.contains("stack traceback"))
        let loop = box.run("eval", "--timeout", "0.3", "while true do end")
        #expect(loop.status == 1)
        #expect(loop.stderr.contains("budget"))
        #expect(box.run("status").status == 0)
    }

    @Test func malformedSocketLinesGetErrorsAndTheDaemonLives() throws {
        let box = try Sandbox()
        try box.write("")
        try box.startDaemon()
        let lines = "not json\n{\"cmd\": 5}\n{\"id\": 7, \"cmd\": \"frobnicate\"}\n{\"id\": 8, \"cmd\": \"status\"}\n"
        let received = rawExchange(box.dir + "/home/ppm.sock", lines, replies: 4)
        let replies = received.split(separator: "\n").map(String.init)
        #expect(replies.count == 4)
        #expect(replies[0].contains("\"ok\":false") && replies[0].contains("malformed request"))
        #expect(replies[1].contains("missing \\\"cmd\\\""))
        #expect(replies[2].contains("\"id\":7") && replies[2].contains("unknown command 'frobnicate'"))
        #expect(replies[3].contains("\"id\":8") && replies[3].contains("\"ok\":true"))
    }
}
