import LuaKit
import PPMMachine
import Testing

@testable import PPMScript

/// SPEC 10's `stop_signal` ladders, `stop_cmd`, `pre_start`, `post_stop`
/// and `start_timeout` as the config reads them: every form, each wrong
/// value named in one line, and the JSON (`check --json`, persistence) and
/// Lua (`export`) forms reading back.
@Suite struct StoppingFieldTests {
    func spec(_ fields: String) throws -> ServiceSpec {
        try #require(try load(#"ppm.service { name = "w", cmd = "x", \#(fields) }"#).declared.first)
    }

    @Test func ladderForms() throws {
        let ladder = try spec(#"stop_signal = { "QUIT", "5s", "SIGTERM", 3, "KILL" }"#)
        #expect(ladder.stopSignal == 3)
        #expect(ladder.stopLadder == [StopStep(signal: 3, wait: 5), StopStep(signal: 15, wait: 3)])  // the final KILL adds nothing
        #expect(ladder.stopSteps(defaultTimeout: 10) == ladder.stopLadder)
        let open = try spec(#"stop_signal = { "INT", "500ms", 15 }, stop_timeout = 20"#)
        #expect(open.stopSteps(defaultTimeout: 10) == [StopStep(signal: 2, wait: 0.5), StopStep(signal: 15, wait: 20)])
        // One signal in a list is that signal; the plain forms stay as they were.
        let one = try spec(#"stop_signal = { "HUP" }, stop_timeout = 4"#)
        #expect(one.stopLadder.isEmpty && one.stopSignal == 1 && one.stopSteps(defaultTimeout: 10) == [StopStep(signal: 1, wait: 4)])
        #expect(try spec(#"stop_signal = "INT""#).stopSteps(defaultTimeout: 10) == [StopStep(signal: 2, wait: 10)])
    }

    @Test func commandForms() throws {
        let s = try spec(
            #"pre_start = "mkdir -p /run/w", post_stop = { "rm -f /run/w/pid", { "/bin/logger", "w stopped" } }, stop_cmd = { "/bin/w", "stop" }, start_timeout = "2m""#
        )
        #expect(s.preStart == [["/bin/sh", "-c", "mkdir -p /run/w"]])
        #expect(s.postStop == [["/bin/sh", "-c", "rm -f /run/w/pid"], ["/bin/logger", "w stopped"]])
        #expect(s.stopCmd == ["/bin/w", "stop"])
        #expect(s.startTimeout == 120)
        #expect(try spec(#"stop_cmd = "w --stop""#).stopCmd == ["/bin/sh", "-c", "w --stop"])
        #expect(try spec(#"pre_start = { { "/bin/mkdir", "-p", "/x" } }"#).preStart == [["/bin/mkdir", "-p", "/x"]])
        #expect(try spec("").startTimeout == 60)
    }

    @Test(arguments: [
        ("stop_signal = {}", #"'stop_signal' must be a signal or a ladder such as { "QUIT", "5s", "TERM", "10s" }"#),
        (
            #"stop_signal = { "QUIT", "TERM" }"#,
            #"'stop_signal': a wait must follow QUIT before TERM (a ladder alternates signals and waits: { "QUIT", "5s", "TERM", "10s" })"#
        ),
        (#"stop_signal = { "QUIT", 5, "NOPE" }"#, #"'stop_signal': unknown signal "NOPE""#),
        (#"stop_signal = { "QUIT", "soon" }"#, #"'stop_signal' is not a duration: "soon" (use seconds or a unit: 500ms, 10s, 5m, 1h, 1d)"#),
        (#"stop_signal = { "QUIT", -1 }"#, "'stop_signal' must not be negative, got -1"),
        (#"stop_signal = { "KILL", 5, "TERM" }"#, "'stop_signal': KILL ends the ladder; nothing may follow it"),
        (#"stop_signal = { "TERM", 5, "KILL", 5 }"#, "'stop_signal': KILL ends the ladder; nothing may follow it"),
        (
            #"stop_signal = { 5, "QUIT" }"#,
            #"'stop_signal': a wait must follow TRAP before QUIT (a ladder alternates signals and waits: { "QUIT", "5s", "TERM", "10s" })"#
        ),
        (
            #"stop_signal = { "QUIT", 5 }, stop_timeout = 3"#,
            "'stop_timeout' is not used: every signal of the 'stop_signal' ladder has its wait (leave the last one out to use stop_timeout)"
        ),
        ("stop_cmd = 3", "'stop_cmd' must be a command: a string (run by /bin/sh -c) or an array of strings"),
        (#"stop_cmd = " ""#, "'stop_cmd' is empty"),
        (
            #"pre_start = { "/bin/mkdir", "-p", "/x" }"#,
            #"'pre_start' is a list of commands and "-p" is not one; for one program with arguments write { { "/bin/prog", "-p" } } or a string"#
        ),
        ("post_stop = { 1 }", "'post_stop[1]' must be a command: a string (run by /bin/sh -c) or an array of strings"),
        ("pre_start = {}", "'pre_start' must be a command (a string run by /bin/sh -c, or an array of strings) or a list of them"),
        (#"start_timeout = "1m""#, "'start_timeout' bounds the 'pre_start' commands and there are none (readiness has 'ready_timeout')"),
        (#"pre_start = "true", start_timeout = 0"#, "'start_timeout' must be more than 0"),
        (#"pre_strat = "true""#, "unknown field 'pre_strat' (did you mean 'pre_start'?)"),
    ])
    func badValuesAreNamed(_ fields: String, _ message: String) {
        #expect(configError(#"ppm.service { name = "w", cmd = "x", \#(fields) }"#) == "ppm.lua:1: service 'w': \(message)")
    }

    @Test func jsonAndLuaFormsRoundTrip() throws {
        var spec = ServiceSpec(name: "web", cmd: ["/bin/web"])
        #expect(SpecJSON.full(spec)["stop_signal"] == .string("TERM"))
        #expect(SpecJSON.full(spec)["pre_start"] == .array([]) && SpecJSON.full(spec)["start_timeout"] == .double(60))
        spec.stopSignal = 3
        spec.stopLadder = [StopStep(signal: 3, wait: 5), StopStep(signal: 15, wait: nil)]
        spec.stopTimeout = 2.5
        spec.stopCmd = ["/bin/sh", "-c", "web --stop"]
        spec.preStart = [["/bin/sh", "-c", "mkdir -p /run/web"], ["/bin/check", "-q"]]
        spec.postStop = [["/bin/sh", "-c", "rm -f /run/web/pid"]]
        spec.startTimeout = 30
        let json = SpecJSON.encode(spec)
        #expect(json["stop_signal"] == .array([.string("QUIT"), .double(5), .string("TERM")]))
        #expect(json["stop_cmd"] == .string("web --stop"))
        #expect(json["pre_start"] == .array([.string("mkdir -p /run/web"), .array([.string("/bin/check"), .string("-q")])]))
        #expect(SpecJSON.decode(json) == spec)
        #expect(SpecJSON.decode(SpecJSON.full(spec)) == spec)
        let statement = SpecLua.statement(spec)
        #expect(statement.contains(#"stop_signal = { "QUIT", 5, "TERM" },"#))
        #expect(try load(statement).declared.first == spec)
        // A plain stop signal stays a name.
        var plain = ServiceSpec(name: "p", cmd: ["/bin/p"])
        plain.stopSignal = 2
        #expect(SpecJSON.encode(plain)["stop_signal"] == .string("INT"))
        #expect(try load(SpecLua.statement(plain)).declared.first == plain)
    }
}
