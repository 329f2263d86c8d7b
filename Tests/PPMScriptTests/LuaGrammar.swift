@testable import PPMScript

/// Random config programs from a small grammar: locals, `ppm.service` and
/// `ppm.settings` calls with fields of any type, branches, short loops,
/// `pcall`, `error` and expressions over them. Replayed from its generator's seed.
struct LuaGrammar {
    var rng: Xorshift
    private var locals = 0

    init(rng: Xorshift) { self.rng = rng }

    mutating func program() -> String {
        var lines = [ConfigFuzzTests.prelude]
        for _ in 0..<pick(1...8) { lines.append(statement(depth: 0)) }
        return lines.joined(separator: "\n")
    }

    private mutating func pick(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    private mutating func one(_ options: [String]) -> String { options.randomElement(using: &rng)! }

    mutating func statement(depth: Int) -> String {
        let choice = pick(0...(depth > 2 ? 3 : 9))
        switch choice {
        case 0, 1: return service()
        case 2:
            locals += 1
            return "local v\(locals) = \(expression(depth: depth))"
        case 3:
            return
                "ppm.settings { \(one(["backoff", "stop_timeout", "hook_timeout", "log_keep", "log_max_size", "watchdog", "memory_limit", "bogus"])) = \(expression(depth: depth)) }"
        case 4: return "if \(expression(depth: depth)) then \(statement(depth: depth + 1)) else \(statement(depth: depth + 1)) end"
        case 5: return "for i = 1, \(pick(0...5)) do \(statement(depth: depth + 1)) end"
        case 6: return "local ok = pcall(function() \(statement(depth: depth + 1)) end)"
        case 7: return "ppm.service(\(expression(depth: depth)))"
        case 8: return "error(\(expression(depth: depth)))"
        default: return "local s = tostring(\(expression(depth: depth)))"
        }
    }

    private mutating func service() -> String {
        var fields = ["name = \(one(["'a'", "'b'", "'web'", "'a'", "''", "'x/y'", "'@g'", "'all'", "1", "nil"]))"]
        if pick(0...5) > 0 { fields.append("cmd = \(one(["'/bin/true'", "{'/bin/sh', '-c', 'exit 0'}", "'a \"b'", "{}", "''", "{1}"]))") }
        for _ in 0..<pick(0...4) {
            let field = SpecReader.fields.randomElement(using: &rng)!
            guard field != "name", field != "cmd" else { continue }
            fields.append("\(field) = \(field == "requires" ? one(["'a'", "{'b'}", "{'web', 'a'}", "'nobody'"]) : expression(depth: 1))")
        }
        if pick(0...9) == 0 { fields.append("\(one(["restrat", "comand", "enviroment", "x"])) = 1") }
        return "ppm.service { \(fields.shuffled(using: &rng).joined(separator: ", ")) }"
    }

    mutating func expression(depth: Int) -> String {
        guard depth < 3, pick(0...2) == 0 else {
            if locals > 0 && pick(0...4) == 0 { return "v\(pick(1...locals))" }
            return one(ConfigFuzzTests.values)
        }
        switch pick(0...6) {
        case 0: return "{ \(expression(depth: depth + 1)), \(expression(depth: depth + 1)) }"
        case 1: return "{ \(one(["k", "soft", "hard", "nofile", "PORT", "interval"])) = \(expression(depth: depth + 1)) }"
        case 2: return "(\(expression(depth: depth + 1)) .. \(expression(depth: depth + 1)))"
        case 3: return "(\(expression(depth: depth + 1)) + \(expression(depth: depth + 1)))"
        case 4: return "#\(expression(depth: depth + 1))"
        case 5: return "(function() return \(expression(depth: depth + 1)) end)()"
        default: return "(\(expression(depth: depth + 1)) or \(expression(depth: depth + 1)))"
        }
    }
}
