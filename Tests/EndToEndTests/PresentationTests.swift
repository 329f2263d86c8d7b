import Foundation
import Testing

/// What users read: errors, `show`, `events`, `stats`, colour (issue #9
/// items 4–7, 9, 16–18).
@Suite struct PresentationTests {
    @Test func hookErrorsReachTheDaemonLogWithTracebackAndNameTheirLine() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { hook_timeout = 0.3 }
            ppm.service { name = "bad", cmd = { "/bin/sh", "-c", "exit 1" }, once = true,
              on_exit = function() error("oops") end }
            ppm.service { name = "loop", cmd = { "/bin/sh", "-c", "exit 1" }, once = true, on_exit = function()
              while true do end
            end }
            """)
        try box.startDaemon()
        #expect(eventually { box.events().filter { $0["type"] as? String == "hook_error" }.count == 2 })
        let errors = box.events().filter { $0["type"] as? String == "hook_error" }
        #expect(errors.allSatisfy { ($0["utc"] as? String)?.hasSuffix("Z") == true })
        let loop = errors.first { $0["name"] as? String == "loop" }?["error"] as? String ?? ""
        #expect(loop.hasPrefix("on_exit of 'loop': \(box.config):5: ran past hook_timeout (0.3 s)"), "\(loop)")
        let log = try String(contentsOfFile: box.daemonLog, encoding: .utf8)
        #expect(log.contains("hook_error: on_exit of 'bad': \(box.config):3: oops\nstack traceback:"))
        #expect(log.contains("hook_error: on_exit of 'loop'"))
    }

    @Test func longConfigPathsAndReadingStdinGiveWholeClearErrors() throws {
        let box = try Sandbox()
        let deep = box.dir + "/a/very/deep/directory/structure/that/is/long/indeed"
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let path = deep + "/ppm-config-with-a-long-name.lua"
        try "ppm.service { name = \"x\",\n  comand = \"/bin/true\" }".write(toFile: path, atomically: true, encoding: .utf8)
        let check = box.run("check", path)
        #expect(check.status == 1)
        #expect(check.stderr == "ppm-lua: \(path):2: service 'x': unknown field 'comand' (did you mean 'cmd'?)\n")
        #expect(box.run("check", "/dev/null").stdout == "/dev/null: 0 services\n")
        #expect(box.run("daemon", "-c", "/dev/null", "--detach").status == 0)
        defer { box.run("quit") }
        for code in ["io.read()", "return io.stdin:read()", "for l in io.lines() do end"] {
            let out = box.run("eval", code)
            #expect(out.status == 1)
            #expect(out.stderr.hasPrefix("ppm-lua: ") && out.stderr.contains("standard input would block"), "\(code): \(out.stderr)")
            #expect(out.stderr.contains("ppm.spawn") && !out.stderr.contains("hardening"), "\(code): \(out.stderr)")
        }
        #expect(box.run(["repl"], stdin: "error('x')\n").status == 1)
        #expect(box.run(["repl"], stdin: "return 1\n").status == 0)
    }

    @Test func aSecondServiceOfTheSameNameInOneChunkFailsAndChangesNothing() throws {
        let box = try Sandbox()
        try box.write("")
        try box.startDaemon()
        let out = box.run(
            "eval",
            """
            ppm.service { name = "x", cmd = "/bin/sleep 1000", on_exit = function() seen = "first" end }
            ppm.service { name = "x", cmd = "/bin/sleep 1000", on_exit = function() seen = "second" end }
            """)
        #expect(out.status == 1)
        #expect(out.stderr.contains("service 'x': a service with this name already exists"))
        let pid = try #require(box.pid("x"))
        kill(pid, SIGKILL)
        #expect(eventually { box.run("eval", "return seen").stdout == "\"first\"\n" })
    }

    @Test func showSaysEverythingAndWhyAServiceWaits() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "db", cmd = "/bin/sleep 1000", autostart = false }
            ppm.service { name = "web", cmd = { "/bin/echo", "a b" }, requires = { "db" }, dir = "/tmp",
                          env = { K = "v" }, stop_signal = "INT", stop_timeout = 3, on_exit = function() end }
            ppm.service { name = "crash", cmd = { "/bin/sh", "-c", "exit 3" }, restart = "never" }
            """)
        try box.startDaemon()
        let web = box.run("show", "web").stdout
        for line in [
            "state      waiting (waiting for db to run)", "command    /bin/echo 'a b'", "dir        /tmp",
            "env        K=v", "autostart  yes", "requires   db", "stop       INT, SIGKILL after 3.0 s", "hooks      on_exit",
        ] {
            #expect(web.contains(line + "\n"), "\(line) in\n\(web)")
        }
        #expect(eventually { box.state("crash") == "crashed" })
        #expect(box.run("show", "crash").stdout.contains("last exit  status 3 after "))
        let check = box.run("check", "ppm.lua", "--json").stdout
        for field in [#""stop_signal":"INT""#, #""clean_env":false"#, #""hooks":["on_exit"]"#, #""autostart":false"#] {
            #expect(check.contains(field), "\(field)")
        }
    }

    @Test func eventsLineUpStatsShowDashesAndInitEndsItsLine() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "a-long-name", cmd = "/bin/sleep 1000" }
            ppm.service { name = "b", cmd = "/bin/sleep 1000", autostart = false }
            """)
        try box.startDaemon()
        #expect(box.run("stop", "a-long-name").status == 0)
        let lines = box.run("events").stdout.split(separator: "\n").map(String.init)
        #expect(lines.count >= 4)
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
        let nameColumn = lines.compactMap { line in
            line.firstRange(of: "  a-long-name").map { line.distance(from: line.startIndex, to: $0.lowerBound) }
        }
        #expect(Set(nameColumn).count == 1, "\(lines)")
        let stats = box.run("stats").stdout
        #expect(
            stats.split(separator: "\n").contains { $0.hasPrefix("b ") && $0.split(separator: " ").dropFirst().allSatisfy { $0 == "-" || $0 == "0" } }
        )
        #expect(!stats.contains("0.0 MiB"))
        #expect(box.run("init").stdout.hasSuffix("end)\n"))
        #expect(!box.run("ls").stdout.contains("\u{1b}["))
    }

    @Test func onATerminalTheStateIsColouredUnlessNoColor() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "a", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        box.env["NO_COLOR"] = nil
        box.env["TERM"] = "xterm"
        #expect(try onTerminal(box, ["ls"]).contains("\u{1b}[32mrunning\u{1b}[0m"))
        box.env["NO_COLOR"] = "1"
        #expect(try !onTerminal(box, ["ls"]).contains("\u{1b}["))
    }

    @Test func theDetachedDaemonKeepsItsNameAndLuaNamesWorkAsOnTheCommandLine() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "a", cmd = "/bin/sleep 1000", groups = { "g" } }
            ppm.service { name = "b", cmd = "/bin/sleep 1000", groups = { "g" } }
            """)
        #expect(box.run("daemon", "-c", box.config, "--detach", "--pidfile", "d.pid").status == 0)
        let pid = try String(contentsOfFile: box.dir + "/d.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let argv = try String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8).split(separator: "\0")
        #expect(argv.first.map(String.init) == binary)
        #expect(try String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) == "ppm-lua\n")
        #expect(box.run("eval", "ppm.stop('@g')").status == 0)
        #expect(eventually { box.state("a") == "stopped" && box.state("b") == "stopped" })
        #expect(box.run("eval", "ppm.start('all')").status == 0)
        #expect(eventually { box.state("a") == "running" && box.state("b") == "running" })
        let spawned = box.run(
            "eval",
            """
            ppm.spawn({ "/bin/sh", "-c", "echo out; echo err >&2; exit 2" }, { on_exit = function(ev) got = ev end })
            """)
        #expect(spawned.status == 0)
        #expect(eventually { box.run("eval", "return got ~= nil").stdout == "true\n" })
        let got = box.run(
            "eval", #"return got.stdout == "out\n", got.stderr == "err\n", got.result, got.pid > 0, got.runtime >= 0, got.time > 0, type(got.utc)"#)
        #expect(got.stdout == "true\ntrue\n2\ntrue\ntrue\ntrue\n\"string\"\n")
        #expect(box.run("quit").status == 0)
        try box.write("ppm.service { name = 'x', cmd = '/bin/true' }\nppm.service { name = 'x', cmd = '/bin/true' }")
        let bad = box.run("daemon", "-c", box.config, "--detach")
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("ppm-lua: the daemon exited at start: \(box.config):2: service 'x': duplicate name"))
        #expect(bad.stderr.components(separatedBy: "ppm-lua: ").count == 2)
    }
}

/// Runs `ppm-lua ARGS…` with a pseudo-terminal as its stdout; what it printed.
func onTerminal(_ box: Sandbox, _ args: [String]) throws -> String {
    let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
    var unlock: Int32 = 0
    var number: UInt32 = 0
    // TIOCSPTLCK and TIOCGPTN: unlock the pair and learn the slave's number.
    guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0,
        let slave = FileHandle(forUpdatingAtPath: "/dev/pts/\(number)")
    else {
        throw SandboxError("no pseudo-terminal")
    }
    defer { close(master) }
    let p = try box.launch(args, stdout: slave)
    p.waitUntilExit()
    try slave.close()
    var text = ""
    var buffer = [UInt8](repeating: 0, count: 4096)
    _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    while true {
        let n = read(master, &buffer, buffer.count)
        if n <= 0 { break }
        text += String(decoding: buffer[0..<n], as: UTF8.self)
    }
    return text
}
