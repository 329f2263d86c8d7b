import Glibc
import LuaKit
import Testing

/// Lua functions run as coroutines from Swift: host functions suspend them,
/// each resume has its own budget, errors end them with a traceback.
@Suite(.serialized) struct CoroutineTests {
    let lua = try! LuaState()

    /// `wait()` suspends the coroutine calling it; `current` is that coroutine.
    private func installWait(_ current: @escaping () -> LuaCoroutine?) {
        let wait = lua.function("wait") { [lua] _ in
            guard lua.canSuspend(current()) else { throw LuaHostError("wait: not in a coroutine the host runs") }
            throw LuaYield()
        }
        lua.setGlobal("wait", wait)
    }

    private func function(_ code: String) throws -> LuaRef {
        guard case .function(let f)? = try lua.run("return " + code, chunkName: "=t").first else { throw LuaError.conversion("no function") }
        return f
    }

    @Test func aHostFunctionSuspendsAndTheResumeValuesAreItsResults() throws {
        var co: LuaCoroutine?
        installWait { co }
        co = try LuaCoroutine(lua, function: try function("function(a) local x, y = wait() return a + x + y end"))
        #expect(try co!.resume([.integer(1)]) == .suspended)
        #expect(try co!.resume([.integer(10), .integer(100)]) == .finished([.integer(111)]))
        #expect(co!.isDone)
    }

    /// Coroutines run one after another (a hook each exit) reuse the threads
    /// of those that returned: each still starts clean, and one that ended
    /// is never taken for the one calling the host now.
    @Test func coroutinesAfterOnesThatEndedStartCleanAndStayApart() throws {
        var current: LuaCoroutine?
        var ended: [LuaCoroutine] = []
        var endedCalledHost = false
        let wait = lua.function("wait") { [lua] _ in
            endedCalledHost = endedCalledHost || ended.contains { $0.isCallingHost }
            guard lua.canSuspend(current) else { throw LuaHostError("wait: not in a coroutine the host runs") }
            throw LuaYield()
        }
        lua.setGlobal("wait", wait)
        let double = try function("function(a) return a * 2 end")
        let waiting = try function("function(a) local b = wait() return a + b end")
        let failing = try function("function() error('no') end")
        for i in 0..<6 {
            let first = try LuaCoroutine(lua, function: double)
            #expect(try first.resume([.integer(Int64(i))]) == .finished([.integer(Int64(2 * i))]))
            #expect(throws: LuaError.self) { try first.resume([]) }
            ended.append(first)
            current = try LuaCoroutine(lua, function: waiting)
            #expect(try current!.resume([.integer(1)]) == .suspended)
            #expect(try current!.resume([.integer(Int64(i))]) == .finished([.integer(Int64(1 + i))]))
            ended.append(current!)
            #expect(throws: LuaError.self) { try LuaCoroutine(lua, function: failing).resume([]) }
        }
        #expect(!endedCalledHost)
    }

    @Test func theBudgetAppliesToEachResumeAlone() throws {
        var co: LuaCoroutine?
        installWait { co }
        lua.setGlobal(
            "now",
            lua.function("now") { _ in
                var ts = timespec()
                clock_gettime(CLOCK_MONOTONIC, &ts)
                return [.number(Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9)]
            })
        // Each run between two waits takes 0.1 s; six of them exceed a 0.5 s budget only if it were shared.
        co = try LuaCoroutine(
            lua,
            function: try function(
                """
                function()
                  for i = 1, 6 do local t = now() + 0.1 while now() < t do end wait() end
                  while true do end
                end
                """))
        for _ in 0..<6 { #expect(try co!.resume([], budget: 0.5) == .suspended) }
        #expect(throws: LuaError.self) { try co!.resume([], budget: 0.5) }
        do { _ = try LuaCoroutine(lua, function: try function("function() while true do end end")).resume([], budget: 0.05) } catch let e as LuaError
        {
            guard case .timeout = e else {
                Issue.record("expected a timeout, got \(e)")
                return
            }
            #expect(e.traceback?.contains("t:1") == true)
        }
    }

    @Test func anErrorEndsTheCoroutineWithItsMessageAndTraceback() throws {
        let co = try LuaCoroutine(lua, function: try function("function()\n error('boom')\nend"))
        do {
            _ = try co.resume()
            Issue.record("expected an error")
        } catch let e as LuaError {
            #expect(e.message == "t:2: boom")
            #expect(e.traceback?.contains("stack traceback") == true)
        }
        #expect(co.isDone)
        #expect(throws: LuaError.self) { try co.resume() }
    }

    @Test func pcallInsideTheCoroutineDoesNotStopASuspension() throws {
        var co: LuaCoroutine?
        installWait { co }
        co = try LuaCoroutine(lua, function: try function("function() local ok, v = pcall(wait) return ok, v end"))
        #expect(try co!.resume() == .suspended)
        #expect(try co!.resume([.string("answer")]) == .finished([.boolean(true), .string("answer")]))
    }

    @Test func waitingOutsideTheHostsCoroutineIsAClearError() throws {
        var co: LuaCoroutine?
        installWait { co }
        // A plain call (the config, a deciding hook): not suspendable.
        #expect(throws: LuaError.self) { try lua.run("wait()", chunkName: "=t") }
        // A coroutine Lua made itself inside the host's one.
        co = try LuaCoroutine(
            lua,
            function: try function(
                """
                function() return coroutine.resume(coroutine.create(function() wait() end)) end
                """))
        guard case .finished(let values) = try co!.resume() else {
            Issue.record("expected an end")
            return
        }
        #expect(values.first == .boolean(false))
        #expect(values.last?.stringValue?.contains("not in a coroutine the host runs") == true)
    }
}
