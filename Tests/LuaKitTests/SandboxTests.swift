import Foundation
import LuaKit
import Testing

/// What `hardenForDaemon` closes: finalizers, the parts of `debug` that
/// reach past the wrappers, collector switches, C modules, and standard C
/// functions that loop over a length the caller picks.
@Suite struct SandboxTests {
    let lua: LuaState = {
        let lua = try! LuaState()
        try! lua.hardenForDaemon(DaemonAlternatives(exit: "ppm.shutdown()", run: "ppm.spawn(cmd)"))
        return lua
    }()

    private func message(_ code: String) -> String {
        do {
            try lua.run(code, chunkName: "h.lua", budget: 2)
            return "no error"
        } catch let e as LuaError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    @Test func finalizersAreRefused() throws {
        #expect(message("setmetatable({}, {__gc = function() end})").hasPrefix("h.lua:1: setmetatable: __gc is refused"))
        // A placeholder that would be replaced by a function later counts too.
        #expect(message("setmetatable({}, {__gc = false})").contains("__gc is refused"))
        #expect(message("local mt = {} setmetatable({}, mt) mt.__gc = function() while true do end end collectgarbage()") == "no error")
        #expect(message("setmetatable(1, {})") == "h.lua:1: bad argument #1 to 'setmetatable' (table expected, got number)")
        #expect(message("return getmetatable(setmetatable({}, {__index = {x = 1}})).__index.x") == "no error")
        #expect(message("getmetatable(io.stdout).__gc = print").contains("attempt to index"))
        #expect(try lua.run("return getmetatable(io.stdout)", chunkName: "t") == [.string("FILE* (protected metatable)")])
    }

    @Test func debugKeepsTracebackAndGetinfoWithoutFunctions() throws {
        for name in ["sethook", "getlocal", "getupvalue", "setupvalue", "setmetatable", "getmetatable", "getregistry", "upvaluejoin"] {
            #expect(message("debug.\(name)()").contains("debug.\(name)"), "\(name)")
        }
        let v = try lua.run("local i = debug.getinfo(1, 'Slf') return i.currentline, i.func, type(debug.traceback())", chunkName: "t")
        #expect(v == [.integer(1), .nil, .string("string")])
        #expect(
            try lua.run("return ('x'):gsub('x', function() return tostring(debug.getinfo(2, 'f').func) end)", chunkName: "t").first
                == .string("nil"))
    }

    @Test func theCollectorCannotBeStoppedAndCModulesCannotLoad() throws {
        #expect(message("collectgarbage('stop')").contains("collectgarbage('stop') is refused"))
        #expect(message("collectgarbage('incremental', 1000)").contains("is refused"))
        #expect(
            try lua.run(
                "collectgarbage() collectgarbage('step') return collectgarbage('isrunning'), math.type(collectgarbage('count'))",
                chunkName: "t") == [.boolean(true), .string("float")])
        #expect(message("package.loadlib('/lib/x86_64-linux-gnu/libc.so.6', '*')").contains("package.loadlib is refused"))
        #expect(try lua.run("return package.cpath, #package.searchers", chunkName: "t") == [.string(""), .integer(2)])
    }

    @Test(arguments: [
        "table.move({}, 1, 1e15, 1, {})",
        "table.insert(setmetatable({}, {__len = function() return 1e15 end}), 1, 'x')",
        "table.remove(setmetatable({}, {__len = function() return 1e15 end}), 1)",
    ])
    func tableLoopsStopAtTheBudget(code: String) {
        let started = Date()
        #expect(message(code).contains("time budget of 2 s exceeded"))
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func boundedLoopsGiveTheStandardResults() throws {
        #expect(
            try lua.run("return string.rep('', 1e15), string.rep('', 1e15, ''), string.rep('ab', 3, ','), string.rep('x', 0)", chunkName: "t")
                == [.string(""), .string(""), .string("ab,ab,ab"), .string("")])
        #expect(message("string.rep('', 1.5)").contains("number has no integer representation"))
        #expect(
            message("table.sort(setmetatable({}, {__index = tostring, __len = function() return 2^31 - 2 end}))")
                .contains("table.sort: 2147483646 elements reached through metamethods are refused"))
        let v = try lua.run(
            """
            local t = { 1, 2, 3 }
            table.insert(t, 4) table.insert(t, 1, 0)
            local r = table.remove(t) local r1 = table.remove(t, 1)
            local m = table.move({ 1, 2, 3, 4, 5 }, 1, 3, 3)
            local b = table.move({ 1, 2, 3, 4, 5 }, 3, 5, 1)
            local c = table.move({ 1, 2 }, 1, 2, 2, { 9 })
            table.sort(t, function(a, b) return a > b end)
            return table.concat(t, ","), r, r1, table.concat(m, ","), table.concat(b, ","), table.concat(c, ","), table.remove({})
            """, chunkName: "t")
        #expect(v == [.string("3,2,1"), .integer(4), .integer(0), .string("1,2,1,2,3"), .string("3,4,5,4,5"), .string("9,1,2"), .nil])
        #expect(message("table.insert({}, 5, 1)") == "h.lua:1: bad argument #2 to 'insert' (position out of bounds)")
        #expect(message("table.insert({}, 1, 2, 3)") == "h.lua:1: wrong number of arguments to 'insert'")
        #expect(message("table.remove({}, 7)") == "h.lua:1: bad argument #2 to 'remove' (position out of bounds)")
        #expect(message("table.move(1, 1, 2, 1)") == "h.lua:1: bad argument #1 to 'move' (table expected, got number)")
        #expect(message("table.move({}, -1, math.maxinteger, 1)") == "h.lua:1: bad argument #3 to 'move' (too many elements to move)")
    }

    @Test func anInterruptForOneCallNeverStopsAnother() throws {
        let interrupter = lua.interrupter
        let finished = LuaCallID.next()
        #expect(try lua.run("return 1", chunkName: "t") == [.integer(1)])
        let fn = try lua.load("return 2", chunkName: "t")
        #expect(try lua.call(fn, id: finished) == [.integer(2)])
        #expect(!interrupter.interrupt(finished))
        #expect(try lua.call(fn) == [.integer(2)])
        // A call interrupted before it starts fails at once; the next one runs.
        let queued = LuaCallID.next()
        #expect(interrupter.interrupt(queued))
        #expect(throws: LuaError.interrupted(traceback: "")) { try lua.call(fn, id: queued) }
        #expect(try lua.call(fn, id: LuaCallID.next()) == [.integer(2)])
    }
}

@Suite struct BlockingFileTests {
    @Test func filesThatCouldBlockAreRefused() throws {
        let lua = try LuaState()
        try lua.hardenForDaemon(DaemonAlternatives(exit: "x", run: "y"))
        let fifo = NSTemporaryDirectory() + "ppm-fifo-\(UUID().uuidString.prefix(8))"
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        for code in [
            "io.open('\(fifo)')", "io.open('\(fifo)', 'w')", "io.lines('\(fifo)')", "io.input('\(fifo)')",
            "io.output('\(fifo)')", "loadfile('\(fifo)')", "dofile('\(fifo)')", "io.open('/dev/tty')",
        ] {
            do {
                try lua.run(code, chunkName: "f.lua", budget: 2)
                Issue.record("\(code) was not refused")
            } catch let e as LuaError {
                #expect(e.message.contains("could block the daemon"), "\(code): \(e.message)")
            }
        }
        // `require` and package.searchpath try each file of package.path.
        let folder = (fifo as NSString).deletingLastPathComponent
        let module = (fifo as NSString).lastPathComponent
        for code in ["package.path = '\(folder)/?' require('\(module)')", "package.searchpath('\(module)', '\(folder)/?')"] {
            do {
                try lua.run(code, chunkName: "f.lua", budget: 2)
                Issue.record("\(code) was not refused")
            } catch let e as LuaError {
                #expect(e.message.contains("\(fifo) is a FIFO: opening or reading it could block the daemon"), "\(code): \(e.message)")
            }
        }
        if FileManager.default.fileExists(atPath: "/proc/kmsg") {
            #expect(throws: LuaError.self) { try lua.run("io.open('/proc/kmsg')", chunkName: "t", budget: 2) }
        }
        #expect(
            try lua.run(
                "return io.open('/dev/null'):read('a'), #io.open('/dev/zero'):read(4), io.open('/nonexistent') == nil",
                chunkName: "t") == [.string(""), .integer(4), .boolean(true)])
        #expect(
            try lua.run("return #io.open('/proc/self/stat'):read('a') > 0, (pcall(require, 'no.such.module'))", chunkName: "t")
                == [.boolean(true), .boolean(false)])
    }
}

@Suite struct PrecompiledChunkTests {
    /// `require` loads Lua text only: a precompiled chunk (string.dump's
    /// output; a crafted one crashed the daemon) saved as a module is refused
    /// with an error naming the file, and the state goes on.
    @Test func requireRefusesAPrecompiledModule() throws {
        let folder = NSTemporaryDirectory() + "ppm-luac-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lua = try LuaState()
        try lua.hardenForDaemon(DaemonAlternatives(exit: "x", run: "y"))
        try lua.run(
            """
            local f = assert(io.open('\(folder)/dumped.lua', 'wb'))
            f:write(string.dump(function() return 42 end))
            f:close()
            f = assert(io.open('\(folder)/plain.lua', 'w'))
            f:write('return 7')
            f:close()
            """, chunkName: "write.lua")
        #expect(
            try lua.run("package.path = '\(folder)/?.lua' return require('plain')", chunkName: "t") == [.integer(7), .string(folder + "/plain.lua")])
        do {
            try lua.run("return require('dumped')", chunkName: "t", budget: 2)
            Issue.record("a precompiled module was loaded")
        } catch let e as LuaError {
            #expect(e.message.contains("error loading module 'dumped' from file '\(folder)/dumped.lua'"), "\(e.message)")
            #expect(e.message.contains("attempt to load a binary chunk (mode is 't')"), "\(e.message)")
        }
        #expect(
            try lua.run("return (pcall(require, 'nothing.here')), select(2, pcall(require, 'nothing.here'))", chunkName: "t")
                == [
                    .boolean(false),
                    .string("module 'nothing.here' not found:\n\tno field package.preload['nothing.here']\n\tno file '\(folder)/nothing/here.lua'"),
                ])
        #expect(try lua.run("return 1 + 1", chunkName: "t") == [.integer(2)])
    }
}
