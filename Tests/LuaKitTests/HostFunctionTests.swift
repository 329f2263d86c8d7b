import LuaKit
import Synchronization
import Testing

/// Counts live instances, to prove that no Swift object leaks when a host
/// function raises.
final class Tracked {
    static let live = Atomic<Int>(0)
    init() { Tracked.live.add(1, ordering: .relaxed) }
    deinit { Tracked.live.subtract(1, ordering: .relaxed) }
}

@Suite(.serialized) struct HostFunctionTests {
    let lua = try! LuaState()

    private func installMath() {
        let add = lua.function("add") { args in [.integer(try args.integer(1) + args.integer(2))] }
        lua.setGlobal("host", .table(LuaTable(["add": add])))
    }

    @Test func hostFunctionsAreCallableFromTables() throws {
        installMath()
        #expect(try lua.run("return host.add(2, 3)", chunkName: "t") == [.integer(5)])
    }

    @Test func argumentErrorsAreLuaErrorsWithThePosition() throws {
        installMath()
        let v = try lua.run(
            """
            local ok, err = pcall(host.add, "x", 1)
            return ok, err
            """, chunkName: "ppm.lua")
        #expect(v[0] == .boolean(false))
        #expect(v[1] == .string("bad argument #1 to 'add' (number expected, got string)"))
        do {
            try lua.run("\nhost.add(1)", chunkName: "ppm.lua")
            Issue.record("expected an error")
        } catch let e as LuaError {
            #expect(e.message == "ppm.lua:2: bad argument #2 to 'add' (number expected, got no value)")
        }
    }

    @Test func errorsFromSwiftLeaveNoLiveObject() throws {
        let before = Tracked.live.load(ordering: .relaxed)
        let fail = lua.function("fail") { _ in
            let t = Tracked()
            throw LuaHostError("refused \(ObjectIdentifier(t).hashValue != 0)")
        }
        lua.setGlobal("fail", fail)
        for _ in 0..<100 {
            #expect(throws: LuaError.self) { try lua.run("fail()", chunkName: "t") }
        }
        let caught = try lua.run("return select(2, pcall(fail))", chunkName: "t")
        #expect(caught == [.string("refused true")])
        #expect(Tracked.live.load(ordering: .relaxed) == before)
    }

    @Test func hostFunctionsCanCallBackIntoLua() throws {
        let apply = lua.function("apply") { args in
            try lua.call(try args.function(1), [args[2]])
        }
        lua.setGlobal("apply", apply)
        #expect(try lua.run("return apply(function(x) return x * 2 end, 21)", chunkName: "t") == [.integer(42)])
        let v = try lua.run("return pcall(apply, function() error('inner', 0) end)", chunkName: "t")
        #expect(v == [.boolean(false), .string("inner")])
    }

    @Test func printGoesToTheOutputSink() throws {
        var captured = ""
        lua.output = { captured += $0 }
        try lua.run("print('a', 1, nil, true); print()", chunkName: "t")
        #expect(captured == "a\t1\tnil\ttrue\n\n")
    }
}
