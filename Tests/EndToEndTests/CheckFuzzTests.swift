import Foundation
import Testing

/// Fuzzes `ppm-lua check FILE` as a user runs it: random configs, deep
/// tables, huge strings and bytes that are not Lua. Every run ends within
/// its bound, exits 0 or 1, and on 1 prints one line `FILE:LINE: message`
/// (`FILE: message` where Lua knows no line). The in-process fuzzing of
/// every field is in PPMScriptTests (ConfigFuzzTests), where it is cheaper.
@Suite struct CheckFuzzTests {
    static let values = [
        "nil", "true", "0", "-1", "1.5", "0/0", "1/0", "math.mininteger", "''", "'x'", "'1e308d'",
        "('z'):rep(1000000)", "{}", "{1, 'a'}", "{k = {}}", "function() end", "coroutine.create(print)", "deep(50000)",
    ]
    static let fields = [
        "name", "cmd", "env", "ulimit", "nice", "cpu", "requires", "stop_signal", "start_after", "restart",
        "log_max_size", "on_exit", "bogus_field",
    ]

    @Test func checkAlwaysEndsWithACleanVerdict() throws {
        let seed = SeededRandom.seedFromEnvironment
        var rng = SeededRandom(seed: seed)
        let box = try Sandbox()
        let deadline = Date().addingTimeInterval(fuzzSeconds(default: 6))
        var runs = 0
        var failures = 0
        while Date() < deadline || runs < 10 {
            let config = Self.config(&rng)
            try Data(config).write(to: URL(fileURLWithPath: box.config))
            let started = Date()
            let out = box.run("check", box.config)
            let took = Date().timeIntervalSince(started)
            let what = "seed \(seed), run \(runs): \(String(decoding: config.prefix(300), as: UTF8.self).debugDescription)"
            #expect(took < 15, "\(what): took \(took) s")
            #expect(out.status == 0 || out.status == 1, "\(what): exit \(out.status), \(out.stderr.prefix(300))")
            if out.status == 1 {
                failures += 1
                let lines = out.stderr.split(separator: "\n")
                #expect(
                    lines.count == 1 && out.stderr.hasPrefix("ppm-lua: \(box.config):") && out.stderr.utf8.count < 1000,
                    "\(what): \(out.stderr.prefix(300))")
            }
            runs += 1
        }
        print("check fuzz: seed \(seed), \(runs) runs, \(failures) refused")
        #expect(failures > 0 && failures < runs)
    }

    /// A config: mostly services and settings with values of any type, at
    /// times bytes that are not Lua, a table nested past the parser's limit or a huge literal.
    static func config(_ rng: inout SeededRandom) -> [UInt8] {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return (0..<Int.random(in: 1...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case 1: return Array(("return " + String(repeating: "{", count: Int.random(in: 100...100_000, using: &rng))).utf8)
        case 2: return Array(("local s = '" + String(repeating: "y", count: 5_000_000) + "'").utf8)
        default:
            var lines = ["local function deep(n) local t = {} for i = 1, n do t = {t} end return t end"]
            for i in 0..<Int.random(in: 1...4, using: &rng) {
                var fields = ["name = 's\(i)'", "cmd = '/bin/true'"]
                for _ in 0..<Int.random(in: 0...2, using: &rng) {
                    fields.append("\(Self.fields.randomElement(using: &rng)!) = \(values.randomElement(using: &rng)!)")
                }
                lines.append(
                    Bool.random(using: &rng)
                        ? "ppm.service { \(fields.joined(separator: ", ")) }"
                        : "ppm.settings { \(["hook_timeout", "backoff", "memory_limit", "log_keep"].randomElement(using: &rng)!) = \(values.randomElement(using: &rng)!) }"
                )
            }
            return Array(lines.joined(separator: "\n").utf8)
        }
    }
}
