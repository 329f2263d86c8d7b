import Foundation
import LuaKit
import Testing

@testable import PPMScript

/// Fuzzes the config loader in process: every field of `ppm.service{}` and
/// `ppm.settings{}` with a value of every Lua type, and random programs from
/// a small grammar. Each load either declares services or fails with one
/// error naming `ppm.lua` (and its line where Lua knows it) — never a crash.
/// `PPM_FUZZ_SECONDS` runs the random programs longer; `PPM_FUZZ_SEED` replays them.
@Suite struct ConfigFuzzTests {
    /// A value of each Lua type, and the edges of each.
    static let values = [
        "nil", "true", "false", "0", "-1", "1.5", "-0.0", "1/0", "-1/0", "0/0", "1e308", "math.maxinteger", "math.mininteger",
        "''", "'x'", "'1e308d'", "'-5s'", "'10M'", "'INT'", "'always'", "'on-failure'", "'/bin/true'", "'infinity'",
        "('z'):rep(100000)", "{}", "{1, 2}", "{'a', 'b'}", "{x = 1}", "{soft = 1, hard = 'infinity'}", "{nofile = -1}",
        "{PORT = {}}", "{[1.5] = 'x'}", "{{{{}}}}", "function() end", "print", "coroutine.create(function() end)",
        "setmetatable({}, {__index = function() error('no') end})", "setmetatable({}, {__gc = function() while true do end end})",
        "deep(100000)",
    ]

    static let prelude = "local function deep(n) local t = {} for i = 1, n do t = {t} end return t end\n"

    @Test func everyServiceFieldTakesEveryType() {
        for field in SpecReader.fields {
            for value in Self.values {
                let base = field == "name" ? "cmd = '/bin/true'" : field == "cmd" ? "name = 's'" : "name = 's', cmd = '/bin/true'"
                let config = Self.prelude + "ppm.service { \(base), \(field) = \(value) }\n"
                Self.expectCleanOutcome(config, "\(field) = \(value)")
            }
        }
    }

    @Test func everySettingTakesEveryType() {
        let settings = [
            "backoff", "stop_timeout", "hook_timeout", "memory_limit", "log_max_size", "log_keep", "log_timestamps", "watchdog", "cgroups",
        ]
        for field in settings + ["backoff.interval", "backoff.max", "backoff.reset_after"] {
            for value in Self.values {
                let parts = field.split(separator: ".")
                let assignment = parts.count == 2 ? "\(parts[0]) = { \(parts[1]) = \(value) }" : "\(field) = \(value)"
                Self.expectCleanOutcome(Self.prelude + "ppm.settings { \(assignment) }\n", "settings \(field) = \(value)")
            }
        }
    }

    /// Found by this fuzzer: a 1 MB unknown key took seconds of edit
    /// distance (the daemon's loop stalls on a reload) and made a 1 MB error;
    /// "1e308d" was a finite number scaled to an infinite duration.
    @Test func hugeKeysAndOverflowingDurationsFailFastAndShort() throws {
        let started = Date()
        let huge = configError("ppm.service { name = 's', cmd = '/bin/true', [('k'):rep(1000000)] = 1 }")
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(huge.hasPrefix("ppm.lua:1: service 's': unknown field 'kkk") && huge.hasSuffix("… (1000000 bytes)'"))
        #expect(
            configError("ppm.service { name = 's', cmd = '/bin/true', start_after = '1e308d' }")
                == "ppm.lua:1: service 's': 'start_after' is not a duration: \"1e308d\" (use seconds or a unit: 500ms, 10s, 5m, 1h, 1d)")
        #expect(configError("return " + String(repeating: "{", count: 300_000)).hasPrefix("ppm.lua: "))
    }

    @Test func randomProgramsLoadOrFailCleanly() {
        let seed = ProcessInfo.processInfo.environment["PPM_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
        var rng = Xorshift(seed: seed)
        let deadline = Date().addingTimeInterval(ProcessInfo.processInfo.environment["PPM_FUZZ_SECONDS"].flatMap { Double($0) } ?? 3)
        var programs = 0
        while Date() < deadline || programs < 50 {
            var grammar = LuaGrammar(rng: rng)
            let program = grammar.program()
            rng = Xorshift(seed: rng.next())
            Self.expectCleanOutcome(program, "seed \(seed), program \(programs):\n\(program)")
            programs += 1
        }
        print("config fuzz: seed \(seed), \(programs) programs")
    }

    /// Loads `config`; the outcome must be services or one error naming the file.
    static func expectCleanOutcome(_ config: String, _ what: String) {
        let started = Date()
        let outcome = configError(config)
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 12, "\(what): took \(seconds) s")
        guard outcome != "no error" else { return }
        #expect(outcome.hasPrefix("ppm.lua:"), "\(what): \(outcome.prefix(300))")
        // A config's own `error(...)` may say anything at any length; the loader's errors are one short line.
        guard !config.contains("error(") else { return }
        #expect(outcome.utf8.count < 1000, "\(what): an error of \(outcome.utf8.count) bytes")
        #expect(!outcome.contains("\n"), "\(what): \(outcome.prefix(300))")
    }
}

/// A seeded xorshift generator for replayable programs.
struct Xorshift: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9 : seed }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
