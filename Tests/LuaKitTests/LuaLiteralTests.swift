import Foundation
import LuaKit
import Testing

/// What `LuaLiteral` writes, real Lua reads back as the same value.
@Suite struct LuaLiteralTests {
    let lua = try! LuaState()

    /// The value Lua gives back for `literal`.
    private func loaded(_ literal: String) throws -> LuaValue {
        try lua.run("return " + literal, chunkName: "=literal").first ?? .nil
    }

    @Test func randomByteStringsRoundTrip() throws {
        var random = SeededRandom.fromEnvironment(label: "randomByteStringsRoundTrip")
        for _ in 0..<3000 {
            let bytes = random.byteString()
            let literal = LuaLiteral.string(bytes: bytes)
            #expect(try loaded(literal) == SeededRandom.luaString(bytes), "seed \(random.seed): \(bytes) written as \(literal)")
            #expect(literal.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F }, "control bytes stay escaped: \(literal)")
        }
    }

    @Test func randomNestedTablesRoundTrip() throws {
        var random = SeededRandom.fromEnvironment(label: "randomNestedTablesRoundTrip")
        for _ in 0..<400 {
            let table = LuaValue.table(random.table(depth: 3))
            let literal = try #require(LuaLiteral.value(table))
            #expect(try loaded(literal) == table, "seed \(random.seed): \(literal)")
        }
    }

    @Test func aControlByteBeforeADigitKeepsItsValue() throws {
        #expect(LuaLiteral.string("\u{07}1") == #""\0071""#)
        let text = "\u{07}1\u{00}2\u{1B}[0m"
        #expect(try loaded(LuaLiteral.string(text)) == .string(text))
        #expect(try loaded(LuaLiteral.string(bytes: [0x07, 0x31, 0xFF, 0x32])) == .bytes([0x07, 0x31, 0xFF, 0x32]))
    }

    @Test func quotesAreChosenToNeedFewEscapes() throws {
        #expect(LuaLiteral.string("a\"b") == "'a\"b'")
        #expect(LuaLiteral.string("it's \"x\"\n") == "\"it's \\\"x\\\"\\n\"")
        #expect(LuaLiteral.string("héllo ✓") == "\"héllo ✓\"")
        #expect(LuaLiteral.string("\u{85}") == #""\194\133""#)  // a C1 control is escaped
    }

    @Test func keywordsAndOtherNamesAreBracketedAsKeys() throws {
        #expect(LuaLiteral.key("PORT") == "PORT" && LuaLiteral.key("_x9") == "_x9")
        for word in LuaLiteral.keywords {
            #expect(LuaLiteral.key(word) == "[\"\(word)\"]")
            var t = LuaTable()
            t[word] = .integer(1)
            #expect(try loaded(LuaLiteral.value(.table(t)) ?? "") == .table(t))
        }
        for name in ["A-B", "9lives", "", "é", "a b", "goto "] {
            #expect(LuaLiteral.key(name) == "[" + LuaLiteral.string(name) + "]")
        }
    }

    @Test func numbersKeepTheirKindAndValue() throws {
        for i: Int64 in [0, 1, -1, 42, .max, .min, .max - 1, .min + 1] {
            #expect(try loaded(LuaLiteral.integer(i)) == .integer(i))
        }
        for d in [0.5, -0.5, 2.0, 1e100, -1e-300, 5e-324, .greatestFiniteMagnitude, 0.1 + 0.2, 1e15, 9_007_199_254_740_993.0] {
            #expect(try loaded(LuaLiteral.float(d)) == .number(d))
        }
        #expect(try loaded(LuaLiteral.float(.infinity)) == .number(.infinity))
        #expect(try loaded(LuaLiteral.float(-.infinity)) == .number(-.infinity))
        #expect(try loaded(LuaLiteral.float(.nan)).numberValue?.isNaN == true)
        guard case .number(let zero) = try loaded(LuaLiteral.float(-0.0)) else {
            Issue.record("not a float")
            return
        }
        #expect(zero == 0 && zero.sign == .minus)
        #expect(LuaLiteral.number(5) == "5" && LuaLiteral.number(2.5) == "2.5")
    }

    @Test func functionsHaveNoLiteral() throws {
        guard case .function(let f)? = try lua.run("return print", chunkName: "=f").first else {
            Issue.record("no function")
            return
        }
        #expect(LuaLiteral.value(.function(f)) == nil)
        #expect(LuaLiteral.value(.table(LuaTable(array: [.integer(1), .function(f)]))) == nil)
    }
}

/// SplitMix64 with the seed it started from, printed so a failure can be
/// replayed (`LUA_LITERAL_SEED=N`).
struct SeededRandom: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    static func fromEnvironment(label: String) -> SeededRandom {
        let seed = ProcessInfo.processInfo.environment["LUA_LITERAL_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("\(label): seed \(seed) (LUA_LITERAL_SEED=\(seed) repeats it)")
        return SeededRandom(seed: seed, state: seed)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Bytes the writer has to think about (controls, quotes, digits after
    /// them, pieces of UTF-8 whole and broken) mixed with any byte.
    private static let tricky: [UInt8] = [
        0, 7, 9, 10, 13, 27, 0x7F, 0x31, 0x30, 0x22, 0x27, 0x5C, 0x5B, 0x5D, 0x3D,
        0x80, 0x85, 0xBF, 0xC0, 0xC2, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xED, 0xA0, 0xF0, 0x9F, 0x98, 0xF4, 0x90, 0xFF,
    ]

    mutating func byteString() -> [UInt8] {
        (0..<Int.random(in: 0...24, using: &self)).map { _ in
            Bool.random(using: &self) ? Self.tricky.randomElement(using: &self)! : UInt8.random(in: 0...255, using: &self)
        }
    }

    /// The value Lua holds for `bytes`, as LuaKit copies it.
    static func luaString(_ bytes: [UInt8]) -> LuaValue {
        String(validating: bytes, as: UTF8.self).map { .string($0) } ?? .bytes(bytes)
    }

    mutating func scalar() -> LuaValue {
        switch Int.random(in: 0..<6, using: &self) {
        case 0: return .boolean(Bool.random(using: &self))
        case 1: return .integer(Int64(bitPattern: next()) >> Int.random(in: 0...63, using: &self))
        case 2:
            let d = Double(bitPattern: next())
            return .number(d.isNaN ? .infinity : d)
        case 3: return .number(Double.random(in: -1000...1000, using: &self))
        default: return Self.luaString(byteString())
        }
    }

    mutating func table(depth: Int) -> LuaTable {
        var t = LuaTable(array: (0..<Int.random(in: 0...4, using: &self)).map { _ in element(depth: depth) })
        for _ in 0..<Int.random(in: 0...5, using: &self) {
            let key: LuaValue
            switch Int.random(in: 0..<5, using: &self) {
            case 0: key = .string(LuaLiteral.keywords.randomElement(using: &self)!)
            case 1: key = .integer(Int64.random(in: -3...9, using: &self))
            case 2: key = .number(Double(Int.random(in: -10...10, using: &self)) + 0.5)  // never whole: Lua would make it an integer key
            case 3: key = .boolean(Bool.random(using: &self))
            default: key = Self.luaString(byteString())
            }
            t.entries[key] = element(depth: depth)
        }
        return t
    }

    private mutating func element(depth: Int) -> LuaValue {
        depth > 0 && Int.random(in: 0..<4, using: &self) == 0 ? .table(table(depth: depth - 1)) : scalar()
    }
}
