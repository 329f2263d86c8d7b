import Foundation
import LuaKit
import Synchronization
import Testing

@Suite struct ErrorTests {
    let lua = try! LuaState()

    @Test func runtimeErrorsNameTheChunkAndLine() throws {
        do {
            try lua.run("local x = 1\nerror('boom')", chunkName: "ppm.lua")
            Issue.record("expected an error")
        } catch let LuaError.runtime(message, traceback) {
            #expect(message == "ppm.lua:2: boom")
            #expect(traceback.hasPrefix("stack traceback:"))
            #expect(traceback.contains("ppm.lua:2: in main chunk"))
        }
    }

    @Test func syntaxErrorsNameTheChunkAndLine() throws {
        #expect(throws: LuaError.syntax("ppm.lua:2: unexpected symbol near '='")) {
            try lua.load("x = 1\n= 2", chunkName: "ppm.lua")
        }
    }

    @Test func nonStringErrorValuesAreDescribed() throws {
        #expect(throws: LuaError.self) { try lua.run("error({})", chunkName: "t") }
        do { try lua.run("error({})", chunkName: "t") } catch let e as LuaError {
            #expect(e.message == "(error object is a table value)")
        }
        do { try lua.run("error(setmetatable({}, {__tostring = function() return 'custom' end}))", chunkName: "t") } catch let e as LuaError {
            #expect(e.message == "custom")
        }
    }

    @Test func chunkStatusFollowsTheEofRule() {
        #expect(lua.chunkStatus("for i=1,3 do") == .incomplete)
        #expect(lua.chunkStatus("x = [[abc") == .incomplete)
        #expect(lua.chunkStatus("function f()\n return 1") == .incomplete)
        #expect(lua.chunkStatus("x = = 1") == .invalid)
        #expect(lua.chunkStatus("x = 1") == .complete)
        #expect(lua.chunkStatus("for i=1,3 do end") == .complete)
    }
}

@Suite struct BudgetTests {
    let lua = try! LuaState()

    private func expectTimeout(_ code: String) throws {
        do {
            try lua.run(code, chunkName: "loop.lua", budget: 0.2)
            Issue.record("expected a timeout")
        } catch LuaError.timeout(let seconds, let traceback) {
            #expect(seconds == 0.2)
            #expect(traceback.contains("loop.lua"))
        }
        // The state is usable afterwards, and a later call is not cut short.
        #expect(try lua.run("local n = 0 for i = 1, 1e5 do n = n + i end return n", chunkName: "t", budget: 5) == [.integer(5_000_050_000)])
    }

    @Test func infiniteLoopIsStopped() throws {
        try expectTimeout("while true do end")
    }

    @Test func pcallCannotSwallowTheTimeout() throws {
        try expectTimeout("while true do pcall(function() while true do end end) end")
    }

    @Test func xpcallAndCoroutinesCannotSwallowItEither() throws {
        try expectTimeout(
            """
            while true do
              xpcall(function() while true do end end, function() while true do end end)
              coroutine.wrap(function() pcall(function() while true do end end) end)
            end
            """)
        try expectTimeout(
            """
            while true do
              local co = coroutine.create(function() while true do end end)
              coroutine.resume(co)
            end
            """)
    }

    @Test func noBudgetMeansNoLimitOnQuickCode() throws {
        #expect(try lua.run("return 1 + 1", chunkName: "t") == [.integer(2)])
    }

    @Test func interruptFromAnotherThreadStopsTheCall() throws {
        let started = Atomic<Bool>(false)
        lua.setGlobal(
            "started",
            lua.function("started") { _ in
                started.store(true, ordering: .releasing)
                return []
            })
        let interrupter = lua.interrupter
        let thread = Thread {
            let deadline = Date().addingTimeInterval(10)
            while !started.load(ordering: .acquiring) && Date() < deadline { usleep(1000) }
            interrupter.interrupt()
        }
        thread.start()
        #expect(throws: LuaError.interrupted(traceback: "")) {
            do { try lua.run("started() while true do pcall(function() while true do end end) end", chunkName: "t") } catch LuaError.interrupted {
                throw LuaError.interrupted(traceback: "")
            }
        }
        #expect(try lua.run("return 'still here'", chunkName: "t") == [.string("still here")])
    }
}

@Suite struct MemoryTests {
    let lua = try! LuaState(memoryLimit: 16 << 20)

    @Test func aGigabyteAllocationIsRefused() throws {
        #expect(throws: LuaError.memoryLimit(bytes: 16 << 20)) {
            try lua.run("return string.rep('x', 1 << 30)", chunkName: "t")
        }
        #expect(lua.memoryInUse < 16 << 20)
        #expect(try lua.run("return #string.rep('x', 1000)", chunkName: "t") == [.integer(1000)])
    }

    @Test func growingTablesHitTheCap() throws {
        #expect(throws: LuaError.memoryLimit(bytes: 16 << 20)) {
            try lua.run("local t = {} while true do t[#t + 1] = { 1, 2, 3 } end", chunkName: "t", budget: 30)
        }
        lua.collectGarbage()
        #expect(lua.memoryInUse < 1 << 20)
        #expect(try lua.run("return 'ok'", chunkName: "t") == [.string("ok")])
    }

    @Test func userCodeMayCatchItsOwnMemoryError() throws {
        let v = try lua.run("local ok, err = pcall(string.rep, 'x', 1 << 30) return ok, err", chunkName: "t")
        #expect(v == [.boolean(false), .string("not enough memory")])
    }

    @Test func theCapCanBeRaised() throws {
        lua.memoryLimit = 64 << 20
        #expect(try lua.run("return #string.rep('x', 20 << 20)", chunkName: "t") == [.integer(20 << 20)])
    }
}

@Suite struct EnvironmentTests {
    let lua = try! LuaState()

    @Test func requireSearchesTheHostFoldersInOrder() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("luakit-\(UUID().uuidString)")
        let first = base.appendingPathComponent("first")
        let second = base.appendingPathComponent("second")
        for d in [first, second] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(at: base) }
        try "return 'first'".write(to: first.appendingPathComponent("which.lua"), atomically: true, encoding: .utf8)
        try "return 'second'".write(to: second.appendingPathComponent("which.lua"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: second.appendingPathComponent("pkg"), withIntermediateDirectories: true)
        try "return 'pkg'".write(to: second.appendingPathComponent("pkg/init.lua"), atomically: true, encoding: .utf8)
        lua.requirePath = [first.path, second.path]
        #expect(try lua.run("return (require('which')), (require('pkg'))", chunkName: "t") == [.string("first"), .string("pkg")])
        #expect(throws: LuaError.self) { try lua.run("require('absent')", chunkName: "t") }
    }

    @Test func blockingAndKillingFunctionsAreReplaced() throws {
        try lua.hardenForDaemon(DaemonAlternatives(exit: "ppm.shutdown()", run: "ppm.spawn(cmd)"))
        let cases: [(String, String)] = [
            ("os.exit(1)", "os.exit would end the daemon; use ppm.shutdown()"),
            ("os.execute('sleep 100')", "os.execute would block the daemon; use ppm.spawn(cmd)"),
            ("io.popen('cat')", "io.popen would block the daemon; use ppm.spawn(cmd)"),
            ("io.read()", "reading the daemon's standard input"),
            ("io.stdin:read()", "reading the daemon's standard input"),
            ("for l in io.lines() do end", "reading the daemon's standard input"),
            ("dofile()", "reading the daemon's standard input"),
            ("debug.sethook()", "debug.sethook is reserved"),
        ]
        for (code, expected) in cases {
            do {
                try lua.run(code, chunkName: "h.lua")
                Issue.record("\(code) did not raise")
            } catch let e as LuaError {
                #expect(e.message.contains(expected), "\(code): \(e.message)")
                #expect(e.message.hasPrefix("h.lua:1: "), "\(code): \(e.message)")
            }
        }
        // Bytecode is refused; text chunks and files still load.
        let v = try lua.run("return load(string.dump(function() end))", chunkName: "t")
        #expect(v.first == .nil)
        #expect(try lua.run("return load('return 7')()", chunkName: "t") == [.integer(7)])
        #expect(try lua.run("return io.open('/dev/null'):read('a')", chunkName: "t") == [.string("")])
        #expect(try lua.run("return os.getenv('PATH') ~= nil, type(os.time())", chunkName: "t") == [.boolean(true), .string("number")])
    }
}

@Suite struct XpcallTests {
    let lua = try! LuaState()

    @Test func xpcallStillWorksForOrdinaryErrors() throws {
        let v = try lua.run(
            """
            local ok, msg = xpcall(function(a, b) error("bad " .. a .. b, 0) end, function(m) return "handled: " .. m end, 1, 2)
            local ok2, x, y = xpcall(function(a) return a, a * 2 end, print, 21)
            return ok, msg, ok2, x, y
            """, chunkName: "t")
        #expect(v == [false, "handled: bad 12", true, 21, 42])
    }
}
