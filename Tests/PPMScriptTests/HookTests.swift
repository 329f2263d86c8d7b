import Glibc
import LuaKit
import PPMMachine
import PPMMachineTesting
import PPMRuntime
import Testing

@testable import PPMScript

/// A config loaded into a supervisor that runs on fakes.
struct ScriptRig {
    let clock = ManualScheduler()
    let spawner = FakeSpawner()
    let loop: SupervisorLoop
    let host: HookHost
    var supervisor: Supervisor { loop.supervisor }

    init(_ config: String) throws {
        host = HookHost(try load(config))
        loop = SupervisorLoop(supervisor: Supervisor(clock: clock), spawner: spawner, scheduler: clock, journal: Journal(path: nil))
        host.attach(loop, scheduler: clock)
        loop.send(.boot)
    }

    func exit(_ name: String, _ status: PPMMachine.ExitStatus) {
        loop.send(.exited(pid: supervisor.snapshot(name)!.pid!, status: status))
    }

    func state(_ name: String) -> ServiceState? { supervisor.snapshot(name)?.state }
    var hookErrors: [String] {
        loop.journal.last(100).filter { $0.type == "hook_error" }.compactMap { $0.fields["error"]?.stringValue }
    }
    func global(_ name: String) throws -> LuaValue { try host.lua.global(name) }
}

@Suite struct HookTests {
    @Test func onExitSeesTheEventTableAndDecides() throws {
        let rig = try ScriptRig(
            """
            seen = {}
            ppm.service { name = "a", cmd = "/bin/a", on_exit = function(ev)
              seen = ev
              if ev.result == 3 then return "fatal" end
              return { action = "restart", after = 7 }
            end }
            """)
        rig.exit("a", .exited(1))
        let ev = try #require(try rig.global("seen").tableValue)
        #expect(ev["type"] == "exit")
        #expect(ev["name"] == "a")
        #expect(ev["result"] == 1)
        #expect(ev["outcome"] == "crashed")
        #expect(ev["crashes"] == 1)
        #expect(ev["starts"] == 1)
        #expect(ev["utc"].stringValue?.hasSuffix("Z") == true)
        #expect(rig.clock.pending == [7])
        rig.clock.advance(7)
        rig.exit("a", .exited(3))
        #expect(rig.state("a") == .fatal)
    }

    @Test func policyFunctionsGetTheServiceSnapshot() throws {
        let rig = try ScriptRig(
            """
            ppm.service { name = "a", cmd = "/bin/a", restart = function(ev, svc)
              if svc.starts < 3 then return "restart" end
              return "stop"
            end }
            """)
        rig.exit("a", .exited(0))
        rig.exit("a", .exited(0))
        rig.exit("a", .exited(0))
        #expect(rig.state("a") == .finished)
        #expect(rig.spawner.starts("a") == 3)
    }

    @Test func globalHooksAndOff() throws {
        let rig = try ScriptRig(
            """
            starts = 0
            handle = ppm.on("start", function(ev) starts = starts + 1 end)
            ppm.service { name = "a", cmd = "/bin/a", restart = "always" }
            """)
        #expect(try rig.global("starts") == 1)
        _ = try rig.host.lua.run("ppm.off(handle)", chunkName: "=t")
        rig.exit("a", .exited(0))
        rig.clock.advance(1)
        #expect(rig.spawner.starts("a") == 2)
        #expect(try rig.global("starts") == 1)
    }

    @Test func anInfiniteLoopHookIsStoppedAndTheDefaultApplies() throws {
        let rig = try ScriptRig(
            """
            ppm.settings { hook_timeout = 0.2 }
            ppm.service { name = "a", cmd = "/bin/a", on_exit = function()
              while true do pcall(function() while true do end end) end
            end }
            """)
        rig.exit("a", .exited(1))
        #expect(rig.state("a") == .waiting)
        let error = try #require(rig.hookErrors.first)
        #expect(error.hasPrefix("on_exit of 'a': /") && error.contains("/ppm.lua:3: ran past hook_timeout (0.2 s)\nstack traceback"), "\(error)")
    }

    @Test func aMemoryEatingHookIsStopped() throws {
        let rig = try ScriptRig(
            """
            ppm.settings { memory_limit = 16 * 1024 * 1024, hook_timeout = 20 }  -- the memory runs out first, however slow the build
            ppm.service { name = "a", cmd = "/bin/a", on_exit = function()
              local t = {}
              for i = 1, 1e9 do t[i] = string.rep("x", 1024) .. i end
            end }
            """)
        rig.exit("a", .exited(1))
        #expect(rig.state("a") == .waiting)
        let error = try #require(rig.hookErrors.first)
        #expect(error.hasPrefix("on_exit of 'a': /") && error.hasSuffix("/ppm.lua:4: exceeded memory_limit (16 MiB)"), "\(error)")
        #expect(try rig.host.lua.run("return 1 + 1", chunkName: "=t") == [2])
    }

    @Test func hookErrorsCarryATraceback() throws {
        let rig = try ScriptRig(
            """
            ppm.service { name = "a", cmd = "/bin/a", on_exit = function() error("boom") end }
            """)
        rig.exit("a", .exited(1))
        let error = try #require(rig.hookErrors.first)
        #expect(error.contains("ppm.lua:1: boom"))
        #expect(error.contains("stack traceback"))
        #expect(rig.state("a") == .waiting)
    }

    @Test func liveControlFromLua() throws {
        let rig = try ScriptRig(
            """
            ppm.service { name = "a", cmd = "/bin/a" }
            """)
        _ = try rig.host.runLua {
            try rig.host.lua.run(
                """
                ppm.service { name = "b", cmd = "/bin/b" }
                ppm.stop("a")
                """, chunkName: "=repl")
        }
        #expect(rig.state("b") == .running)
        #expect(rig.state("a") == .stopping)
        #expect(throws: LuaError.self) { try rig.host.lua.run("ppm.stop('nope')", chunkName: "=repl") }
        let got = try rig.host.lua.run("return ppm.get('b').state, #ppm.list(), ppm.get('a').spec.cmd[1]", chunkName: "=repl")
        #expect(got == ["running", 2, "/bin/a"])
    }

    @Test func timersFireAndCancel() throws {
        let rig = try ScriptRig(
            """
            ticks = 0
            t = ppm.every(1, function() ticks = ticks + 1 end)
            ppm.after("2.5s", function() t:cancel() end)
            """)
        _ = rig
        rig.clock.advance(5)
        #expect(try rig.global("ticks") == 2)
    }
}

/// `HookHost.close()`: what a replaced config held in the daemon is let go
/// at once (issue #22; `ReloadUDPTests` checks the daemon's descriptors).
@Suite struct HookHostCloseTests {
    /// A UDP port nothing listens on now.
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in(
            sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(fd, $0, length)
                _ = getsockname(fd, $0, &length)
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    @Test func closeCancelsTimersClosesSocketsAndAbandonsWaitingHooks() throws {
        let port = Self.freePort()
        let host = HookHost(
            try load(
                """
                ran = 0
                ppm.every(60, function() ran = ran + 1 end)
                ppm.after(0, function() ppm.udp.send("udp://127.0.0.1:\(port)", "x") end)
                ppm.udp.listen("udp://127.0.0.1:\(port)", function() end)
                ppm.service { name = "a", cmd = "/bin/a", on_start = function() ppm.sleep(100) ran = ran + 100 end }
                """))
        var watched: [Int32] = []
        var closed: [Int32] = []
        host.daemon.watchReadable = { fd, _ in
            watched.append(fd)
            return {
                closed.append(fd)
                close(fd)
            }
        }
        let clock = ManualScheduler()
        let loop = SupervisorLoop(supervisor: Supervisor(clock: clock), spawner: FakeSpawner(), scheduler: clock, journal: Journal(path: nil))
        host.attach(loop, scheduler: clock)
        loop.send(.boot)
        clock.advance(0)
        #expect(watched.count == 1 && host.udpSenders.count == 1)
        #expect(host.suspendedTasks.count == 1)  // on_start, in ppm.sleep
        #expect(clock.pending.contains(60) && clock.pending.contains(100))

        host.close()
        #expect(closed == watched)
        #expect(host.udpSenders.isEmpty && host.state.udpListeners.isEmpty)
        #expect(host.suspendedTasks.isEmpty && host.state.timers.isEmpty)
        #expect(!clock.pending.contains(60) && !clock.pending.contains(100))
        clock.advance(200)
        #expect(try host.lua.global("ran") == 0)
    }
}
