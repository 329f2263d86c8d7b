import Foundation
import Testing

@testable import LuaKit

/// The bounded string.find/match/gmatch/gsub give Lua's own results, and
/// no pattern can run past the time budget or an interrupt.
@Suite struct PatternTests {
    let lua = try! LuaState()

    @Test func resultsAndErrorsAreThoseOfLuasOwnMatcher() throws {
        lua.installStockStringLibrary(as: "stock")
        let mismatches = try lua.run(
            #"""
            local subjects = { "", "a", "hello world", "  trim me  ", "key = value", "aaa", "abcabc",
              "(foo(bar))baz", "THE (quick) fox", "x=1, y=22, z=333", "a.b.c", "line1\nline2\n\nline4",
              "caf\195\169 \0 nul", "%d%%", "[x]", "ab$", "^start", "99 bottles" }
            local patterns = { "", "a", "l+", "o", "%s*(.-)%s*$", "^(%w+)%s*=%s*(%w+)$", "(a*)", "a-b", "a?",
              "()a()", "%bxy", "%b()", "%f[%w]%w+", "%f[%a]", "(%a+)%s(%a+)", "(h)(e)(l)(l)(o)", "[%a_][%w_]*",
              "[^%s]+", "[]]", "[^]]", "[a-c]+", "%d+", "%D", "(%d)%1", "(.)%1", "$", "^", "^$", ".-$", "b$", "x*",
              "[%]]", "%.", "%%", "\0", "[\0-\31]", "(", ")", "%", "[a", "%1", "(()", "%g+", "%u%l*", "%x+", "%p",
              "%c", "[%d%.]+", "%f[%z]", "%bx", "%f", "((a)(b))", "a+?", "[a-]", "[-a]", "[a-%d]", "$$", "a$b", "^^" }
            local replacements = { "<%0>", "%1-%1", "%%", "%2", "x%", "%9", 7,
              { a = "A", hello = false, key = 1 }, function(a, b) return b and (a .. b) or nil end, function() return {} end }
            local function show(ok, ...)
              local out = { tostring(ok) }
              for i = 1, select("#", ...) do out[#out + 1] = tostring((select(i, ...))) end
              return table.concat(out, "|")
            end
            local function all(gm, s, p, init)
              local ok, it = pcall(gm, s, p, init)
              if not ok then return show(false, it) end
              local out, n = {}, 0
              while n < 50 do
                local r = { pcall(it) }
                out[#out + 1] = show(table.unpack(r))
                if not r[1] or r[2] == nil then break end
                n = n + 1
              end
              return table.concat(out, ";")
            end
            local bad = {}
            local function check(what, a, b)
              if a ~= b then bad[#bad + 1] = what .. ": bounded " .. a .. " / stock " .. b end
            end
            for _, s in ipairs(subjects) do
              for _, p in ipairs(patterns) do
                local label = string.format("%q %q", s, p)
                for _, init in ipairs({ 1, 2, -3, 0, 40 }) do
                  check("find " .. label .. " " .. init, show(pcall(string.find, s, p, init)), show(pcall(stock.find, s, p, init)))
                  check("match " .. label .. " " .. init, show(pcall(string.match, s, p, init)), show(pcall(stock.match, s, p, init)))
                  check("gmatch " .. label .. " " .. init, all(string.gmatch, s, p, init), all(stock.gmatch, s, p, init))
                end
                check("plain " .. label, show(pcall(string.find, s, p, 1, true)), show(pcall(stock.find, s, p, 1, true)))
                for i, r in ipairs(replacements) do
                  for _, max in ipairs({ nil, 1 }) do
                    check("gsub " .. label .. " #" .. i, show(pcall(string.gsub, s, p, r, max)), show(pcall(stock.gsub, s, p, r, max)))
                  end
                end
              end
            end
            -- Lua's own gsub is not in package.loaded here, so its error names it '?'.
            check("gsub bad repl", show(pcall(string.gsub, "a", "a", true)),
              (show(pcall(stock.gsub, "a", "a", true)):gsub("'%?'", "'string.gsub'")))
            return table.concat(bad, "\n", 1, math.min(#bad, 20))
            """#, chunkName: "patterns", budget: 60)
        #expect(mismatches == [.string("")])
    }

    @Test func randomPatternsAgreeWithLuasOwnMatcher() throws {
        lua.installStockStringLibrary(as: "stock")
        let mismatches = try lua.run(
            #"""
            math.randomseed(20261123)
            local atoms = { "a", "b", ".", "%a", "%d", "%s", "%W", "[ab]", "[^a]", "[a-c]", "[%d_]", "%%", "%.",
              "(", ")", "()", "%1", "%b()", "%f[%w]", "$", "^", "x", "-", "*", "+", "?", "[", "]", "%" }
            local chars = { "a", "b", "c", "1", "2", " ", "_", "(", ")", ".", "%", "x", "\n" }
            local function pick(t) return t[math.random(#t)] end
            local function show(ok, ...)
              local out = { tostring(ok) }
              for i = 1, select("#", ...) do out[#out + 1] = tostring((select(i, ...))) end
              return table.concat(out, "|")
            end
            local bad = {}
            for case = 1, 50000 do
              local p, s = {}, {}
              for i = 1, math.random(1, 8) do p[i] = pick(atoms) end
              for i = 1, math.random(0, 12) do s[i] = pick(chars) end
              p, s = table.concat(p), table.concat(s)
              local a = show(pcall(string.find, s, p)) .. " " .. show(pcall(string.gsub, s, p, "<%0>"))
              local b = show(pcall(stock.find, s, p)) .. " " .. show(pcall(stock.gsub, s, p, "<%0>"))
              if a ~= b and #bad < 10 then bad[#bad + 1] = string.format("%q in %q: bounded %s / stock %s", p, s, a, b) end
            end
            return table.concat(bad, "\n")
            """#, chunkName: "random patterns", budget: 120)
        #expect(mismatches == [.string("")])
    }

    @Test(arguments: [
        #"return ("a"):rep(20000):find(".-.-.-b")"#,
        #"return ("a"):rep(20000):match("(.*)(.*)(.*)b")"#,
        #"for x in ("a"):rep(20000):gmatch(".-.-.-b") do end"#,
        #"return ("a"):rep(20000):gsub(".-.-.-b", "")"#,
        #"return ("a"):rep(30000000):find(("a"):rep(15000000) .. "b", 1, true)"#,
    ])
    func aPathologicalMatchStopsAtTheBudget(code: String) throws {
        lua.memoryLimit = 256 << 20
        let started = Date()
        #expect(throws: LuaError.self) {
            do { try lua.run(code, chunkName: "t", budget: 0.3) } catch let e as LuaError {
                guard case .timeout = e else {
                    Issue.record("expected a timeout, got \(e)")
                    throw e
                }
                throw e
            }
        }
        #expect(Date().timeIntervalSince(started) < 10)  // not minutes (sanitizer builds are slow)
        // pcall cannot swallow it either.
        #expect(throws: LuaError.self) {
            try lua.run("pcall(function() \(code) end) return 'swallowed'", chunkName: "t", budget: 0.3)
        }
    }

    @Test func anInterruptStopsAMatch() throws {
        let interrupter = lua.interrupter
        let id = LuaCallID.next()
        let fn = try lua.load(#"return ("a"):rep(20000):find(".-.-.-b")"#, chunkName: "t")
        // A thread of its own: Dispatch's pool may be taken by other tests' blocking work.
        Thread {
            usleep(200_000)
            interrupter.interrupt(id)
        }.start()
        let started = Date()
        #expect(throws: LuaError.interrupted(traceback: "")) {
            do { try lua.call(fn, id: id) } catch LuaError.interrupted { throw LuaError.interrupted(traceback: "") }
        }
        #expect(Date().timeIntervalSince(started) < 10)  // not minutes (sanitizer builds are slow)
    }
}
