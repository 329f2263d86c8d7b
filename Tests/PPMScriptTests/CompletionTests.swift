import LuaKit
import Testing

@testable import PPMScript

/// What Tab at the REPL offers (`HookHost.complete`), on a loaded config.
@Suite struct CompletionTests {
    @Test func globalsFieldsAndMethods() throws {
        let host = try loadHost(
            """
            limits = { nofile = 10, nproc = 20, [3] = "x", ["not a name"] = 1 }
            handle = ppm.every(60, function() end)
            """)
        #expect(try host.complete("ppm.se") == ["ppm.service", "ppm.settings"])
        #expect(try host.complete("x = ppm.log.w") == ["x = ppm.log.warn"])
        #expect(try host.complete("lim") == ["limits"])
        #expect(try host.complete("limits.") == ["limits.nofile", "limits.nproc"])
        #expect(try host.complete("handle:c") == ["handle:cancel"])  // through the __index table
        #expect(try host.complete("fun") == ["function"])
        #expect(try host.complete("(\"x\"):up") == [])  // not a path
        #expect(try host.complete("string.for") == ["string.format"])
        #expect(try host.complete("ppm.udp.") == ["ppm.udp.listen", "ppm.udp.send"])
    }

    @Test func theFieldsOfAServiceCompleteAtItsKeys() throws {
        let host = try loadHost("")
        #expect(try host.complete("ppm.service { name = \"w\", pre") == ["ppm.service { name = \"w\", pre_start"])
        #expect(
            try host.complete("ppm.service({ cmd = \"x\"; sto") == [
                "ppm.service({ cmd = \"x\"; stop_cmd", "ppm.service({ cmd = \"x\"; stop_signal", "ppm.service({ cmd = \"x\"; stop_timeout",
            ])
        #expect(try host.complete("ppm.service { post") == ["ppm.service { post_stop"])
        #expect(try host.complete("ppm.service { start_t") == ["ppm.service { start_timeout"])
        #expect(try host.complete("ppm.service { inst") == ["ppm.service { instances"])
        #expect(try host.complete("ppm.service { memory_") == ["ppm.service { memory_high", "ppm.service { memory_max"])
        #expect(try host.complete("ppm.service { pids") == ["ppm.service { pids_max"])
        #expect(try host.complete("ppm.service { io_") == ["ppm.service { io_weight"])
        #expect(try host.complete("ppm.service { cpu_") == ["ppm.service { cpu_max"])
        // A value is not a key; a nested table is not the service's.
        #expect(try host.complete("ppm.service { cmd = pre") == [])
        #expect(try host.complete("ppm.service { env = { pre") == [])
    }

    @Test func nothingInsideStringsCommentsOrAfterNonPaths() throws {
        let host = try loadHost("t = { field = 1 }")
        #expect(try host.complete("print(\"t.f") == [])
        #expect(try host.complete("-- t.f") == [])
        #expect(try host.complete("x = 1 .. t.") == ["x = 1 .. t.field"])
        #expect(try host.complete("x = 1..") == [])
        #expect(try host.complete("") == [])
        #expect(try host.complete("nosuch.") == [])
    }

    @Test func onlySideEffectFreeCallsAreEvaluated() throws {
        let host = try loadHost(
            """
            calls = 0
            function make() calls = calls + 1; return { secret = 1 } end
            lazy = setmetatable({}, { __index = function() calls = calls + 1; return { y = 1 } end })
            """)
        #expect(try host.complete("make().") == [])
        #expect(try host.complete("lazy.x.") == [])
        #expect(try host.lua.run("return calls", chunkName: "=t").first == .integer(0))
        // Not running: ppm.get answers nil, so nothing; the call itself is allowed.
        #expect(try host.complete("ppm.get(\"web\").") == [])
        #expect(try host.complete("ppm.list().") == [])
    }

    @Test func aReplacedPpmGetIsNotCalled() throws {
        let host = try loadHost(
            """
            called = false
            ppm.get = function() called = true; return { x = 1 } end
            """)
        #expect(try host.complete("ppm.get('web').") == [])
        #expect(try host.lua.run("return called", chunkName: "=t").first == .boolean(false))
    }
}
