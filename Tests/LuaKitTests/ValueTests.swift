import LuaKit
import Testing

@Suite struct ValueTests {
    let lua = try! LuaState()

    @Test func scalarsKeepTheirKind() throws {
        let v = try lua.run("return nil, true, false, 3, 3.0, -0.5, 'hi'", chunkName: "t")
        #expect(v == [.nil, .boolean(true), .boolean(false), .integer(3), .number(3.0), .number(-0.5), .string("hi")])
    }

    @Test func integersAndFloatsGoBackAsSent() throws {
        let f = try lua.load("local a, b = ...; return math.type(a), math.type(b)", chunkName: "t")
        #expect(try lua.call(f, [.integer(7), .number(7)]) == [.string("integer"), .string("float")])
    }

    @Test func stringsKeepNulAndRawBytes() throws {
        let v = try lua.run("return 'a\\0b', #'a\\0b', '\\255\\0'", chunkName: "t")
        #expect(v[0] == .string("a\u{0}b"))
        #expect(v[1] == .integer(3))
        #expect(v[2] == .bytes([255, 0]))
        let len = try lua.load("local s = ...; return #s, s:byte(2)", chunkName: "t")
        #expect(try lua.call(len, [.string("x\u{0}y")]) == [.integer(3), .integer(0)])
        #expect(try lua.call(len, [.bytes([1, 0, 255])]) == [.integer(3), .integer(0)])
    }

    @Test func nestedTablesCopyBothWays() throws {
        let v = try lua.run("return { 1, 2, name = 'web', env = { PORT = '80' }, [true] = 'yes' }", chunkName: "t")
        let t = try #require(v.first?.tableValue)
        #expect(t.sequence == [.integer(1), .integer(2)])
        #expect(t["name"] == .string("web"))
        #expect(t["env"].tableValue?["PORT"] == .string("80"))
        #expect(t.entries[.boolean(true)] == .string("yes"))
        let echo = try lua.load("local t = ...; return t.env.PORT .. #t", chunkName: "t")
        #expect(try lua.call(echo, [.table(t)]) == [.string("802")])
    }

    @Test func cyclicTablesAreAnErrorNotAHang() throws {
        #expect(throws: LuaError.conversion("cannot copy a table that contains itself")) {
            try lua.run("local t = {}; t.self = t; return t", chunkName: "t")
        }
        // Shared (non-cyclic) subtables are fine.
        let v = try lua.run("local s = {1}; return { a = s, b = s }", chunkName: "t")
        #expect(v.first?.tableValue?["b"].tableValue?.sequence == [.integer(1)])
        #expect(try lua.run("return 1", chunkName: "t") == [.integer(1)])
    }

    @Test func functionsTravelAsReferences() throws {
        let v = try lua.run("local n = 0; return function(k) n = n + k; return n end", chunkName: "t")
        guard case .function(let f)? = v.first else {
            Issue.record("expected a function")
            return
        }
        #expect(try lua.call(f, [.integer(2)]) == [.integer(2)])
        #expect(try lua.call(f, [.integer(3)]) == [.integer(5)])
        lua.setGlobal("g", .function(f))
        #expect(try lua.run("return g(10)", chunkName: "t") == [.integer(15)])
    }

    @Test func globalsAreReadAndWrittenRaw() throws {
        try lua.run("setmetatable(_G, { __newindex = function() error('strict') end, __index = function() error('strict') end })", chunkName: "t")
        lua.setGlobal("answer", 42)
        #expect(try lua.global("answer") == .integer(42))
        #expect(try lua.global("missing") == .nil)
    }
}
