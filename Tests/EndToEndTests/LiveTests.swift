import Foundation
import Testing

@Suite struct LiveEndToEndTests {
    @Test func addedServicesRunPersistAndGoAwayWithRm() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "cfg", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        let added = box.run("add", "--name", "extra", "--env", "GREETING=hi", "--", "/bin/sleep", "1000")
        #expect(added.status == 0)
        let pid = try #require(box.pid("extra"))
        let environ = try String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8)
        #expect(environ.split(separator: "\0").contains("GREETING=hi"))
        #expect(box.run("add", "--", "/bin/sh", "-c", "sleep 1000").status == 0)  // named "sh"
        #expect(box.state("sh") == "running")
        #expect(box.run("stop", "sh").status == 0)

        let none = box.run("add")
        #expect(none.status == 1)
        #expect(none.stderr.contains("add needs a command"))
        let dup = box.run("add", "--name", "extra", "--", "/bin/true")
        #expect(dup.status == 1)
        #expect(dup.stderr.contains("already exists"))

        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
        #expect(!alive(pid))
        try box.startDaemon()
        #expect(box.state("extra") == "running")
        #expect(box.state("sh") == "stopped")  // a run-time stop is remembered
        #expect(box.state("cfg") == "running")
        #expect(box.run("rm", "extra").status == 0)
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
        try box.startDaemon()
        #expect(box.services()["extra"] == nil)
        #expect(box.services()["sh"] != nil)
        #expect(box.run("drop").status == 0)
        #expect(box.services().isEmpty)
    }

    @Test func pipedReplSession() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        let session = """
            function double(x)
              return x * 2
            end
            double(21)
            print("from print")
            error("bad thing")
            =1 + 1
            ppm.get("web").state
            ppm.service { name = "live", cmd = "/bin/sleep 1000" }
            local t = { b = 1, a = { 1, 2 } } t.self = t return t
            """
        let out = box.run(["repl"], stdin: session + "\n")
        #expect(out.status == 1)  // a chunk failed; the others still ran
        #expect(
            out.stdout == """
                42
                from print
                2
                "running"
                { a = { 1, 2 }, b = 1, self = <cycle> }

                """)
        #expect(out.stderr.hasPrefix("repl:1: bad thing"))
        #expect(out.stderr.contains("stack traceback"))
        #expect(box.state("live") == "running")
    }

    @Test func aRunawayReplChunkIsStoppedAndTheDaemonAnswers() throws {
        let box = try Sandbox()
        try box.write("")
        try box.startDaemon()
        let out = box.run(["repl", "--timeout", "0.5"], stdin: "while true do end\nreturn 'after'\n")
        #expect(out.stderr.contains("budget"))
        #expect(out.stdout == "\"after\"\n")
        #expect(box.run("status").status == 0)
    }

    @Test func liveHooksChangeBehaviourForTheNextEvent() throws {
        let box = try Sandbox()
        try box.write(
            """
            function decide(ev) return nil end
            ppm.service { name = "job", cmd = { "/bin/sh", "-c", "sleep 0.2; exit 1" },
                          on_exit = function(ev) return decide(ev) end }
            """)
        try box.startDaemon()
        #expect(box.run("eval", "function decide(ev) return 'fatal' end").status == 0)
        #expect(eventually { box.state("job") == "fatal" })
    }

    /// `status` counts the events that ran Lua and their time; events
    /// nobody listens to run no Lua and are not counted.
    @Test func statusReportsTheEventsThatRanHooks() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "quiet", cmd = { "/bin/sh", "-c", "exit 0" }, once = true }
            ppm.service { name = "hooked", cmd = { "/bin/sh", "-c", "exit 0" }, once = true,
                          on_exit = function(ev) return nil end }
            """)
        try box.startDaemon()
        func hooks() -> [String: Any] {
            let out = box.run("status", "--json")
            let o = try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
            return (o?["hooks"] as? [String: Any]) ?? [:]
        }
        #expect(eventually { box.events().filter { $0["type"] as? String == "exit" }.count == 2 })
        #expect(hooks()["calls"] as? Int == 1)
        #expect((hooks()["seconds"] as? Double ?? -1) > 0)
    }

    @Test func initAndExportProduceConfigsThatCheckAccepts() throws {
        let box = try Sandbox()
        let starter = box.run("init")
        #expect(starter.status == 0)
        try box.write(starter.stdout)
        #expect(box.run("check", "ppm.lua").status == 0)
        try box.write(
            """
            ppm.service { name = "a", cmd = "/bin/sleep 1000", groups = { "g" }, ulimit = { nofile = 100 },
                          env = { X = "a \\"quoted\\" value" }, on_exit = function() end }
            """)
        try box.startDaemon()
        #expect(box.run("add", "--name", "b", "--once", "--", "/bin/sleep", "1000").status == 0)
        let exported = box.run("export")
        #expect(exported.status == 0)
        try box.write(exported.stdout, to: "exported.lua")
        let check = box.run("check", "exported.lua", "--json")
        #expect(check.status == 0)
        #expect(check.stdout.contains(#""name":"b""#) && check.stdout.contains(#""once":true"#))
        #expect(check.stdout.contains(#"a \"quoted\" value"#))
        #expect(exported.stdout.contains("on_exit: Lua functions, not exported"))
    }
}

@Suite struct FollowTests {
    @Test func eventsFollowStreamsNewEvents() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "a", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        let out = Pipe()
        let follow = try box.launch(["events", "-f", "--json", "-n", "1", "a"], stdout: out)
        defer { follow.terminate() }
        let fd = out.fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var text = ""
        func drain() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { return }
                text += String(decoding: buffer[0..<n], as: UTF8.self)
            }
        }
        // The backlog (the start event) shows the follower is registered.
        #expect(
            eventually {
                drain()
                return text.contains("\"type\":\"start\"")
            })
        #expect(box.run("stop", "a").status == 0)
        let got = eventually {
            drain()
            return text.contains("\"type\":\"exit\"")
        }
        #expect(got)
        #expect(text.contains("\"type\":\"stop\""))
        #expect(text.contains("\"outcome\":\"stopped\""))
    }
}

@Suite struct PersistenceCostTests {
    /// `stop all` and `start all` on 200 run-time services write the state
    /// file a bounded number of times (once per loop turn), not once per service.
    @Test func stopAllAndStartAllWriteTheStateFileABoundedNumberOfTimes() throws {
        let box = try Sandbox()
        try box.write("")
        try box.startDaemon()
        let lines = (0..<200).map { #"{"id":\#($0),"cmd":"add","args":{"name":"s\#($0)","cmd":["/bin/sleep","1000"]}}"# }
        let client = try SocketClient(path: box.dir + "/home/ppm.sock")
        for line in lines { _ = try client.call(line) }
        #expect(eventually(20) { box.services().values.filter { $0["state"] as? String == "running" }.count == 200 })
        func writes() -> Int {
            let out = box.run("status", "--json")
            let o = try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
            return (o?["state_writes"] as? Int) ?? -1
        }
        let before = writes()
        #expect(box.run("stop", "all").status == 0)
        let afterStop = writes()
        #expect(afterStop - before <= 4, "stop all wrote the state file \(afterStop - before) times")
        #expect(box.run("start", "all").status == 0)
        #expect(eventually(20) { box.services().values.filter { $0["state"] as? String == "running" }.count == 200 })
        let afterStart = writes()
        #expect(afterStart - afterStop <= 4, "start all wrote the state file \(afterStart - afterStop) times")
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
        try box.startDaemon()
        #expect(box.services().count == 200)
    }
}

/// A raw client of the control socket: one request line, one reply line.
final class SocketClient {
    private let handle: FileHandle

    init(path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
            raw[path.utf8.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw SandboxError("cannot connect to \(path)") }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Sends one line and returns the reply line.
    func call(_ line: String) throws -> String {
        handle.write(Data((line + "\n").utf8))
        var reply = Data()
        while !reply.contains(10) {
            let chunk = handle.availableData
            if chunk.isEmpty { throw SandboxError("the daemon closed the connection") }
            reply.append(chunk)
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
