import LuaKit
import PPMMachine
import Testing

@testable import PPMScript

/// SPEC 9's fields as the config reads them: every form, every wrong
/// value named in one line, and the JSON and Lua forms reading back.
@Suite struct ReadinessFieldTests {
    /// The services the `requires` below name.
    static let others = ["cache", "db", "migrate", "a", "b"].map { #"ppm.service { name = "\#($0)", cmd = "x" }"# }.joined(separator: "\n")

    func spec(_ fields: String) throws -> ServiceSpec {
        try #require(try load(#"ppm.service { name = "w", cmd = "x", \#(fields) }"# + "\n" + Self.others).declared.first)
    }

    @Test func everyReadyForm() throws {
        #expect(try spec("").ready == .started)
        #expect(try spec(#"ready = "notify""#).ready == .notify)
        #expect(try spec("ready = { fd = 3 }").ready == .fd(3))
        #expect(try spec(#"ready = { log = "up on %d+" }"#).ready == .log("up on %d+"))
        #expect(try spec(#"ready = { tcp = "127.0.0.1:80" }"#).ready == .probe(.tcp("127.0.0.1:80")))
        #expect(try spec(#"ready = { tcp = "[::1]:80" }"#).ready == .probe(.tcp("[::1]:80")))
        #expect(try spec(#"ready = { http = "http://localhost:8080/ready" }"#).ready == .probe(.http("http://localhost:8080/ready")))
        #expect(try spec(#"ready = { exec = "pg_isready" }"#).ready == .probe(.exec(["/bin/sh", "-c", "pg_isready"])))
        #expect(try spec(#"ready = { exec = { "pg_isready", "-q" } }"#).ready == .probe(.exec(["pg_isready", "-q"])))
        let withFunction = try spec("ready = function() return true end, ready_timeout = \"2m\", ready_every = 1")
        #expect(withFunction.ready == .probe(.function) && withFunction.readyTimeout == 120 && withFunction.readyEvery == 1)
        #expect(withFunction.scriptedFields.contains("ready"))
    }

    @Test func healthAndRequiresForms() throws {
        let s = try spec(#"health = { http = "http://127.0.0.1:1/h", every = "5s", timeout = 1, failures = 2, start_period = "1m" }"#)
        var expected = HealthSpec(probe: .http("http://127.0.0.1:1/h"))
        (expected.every, expected.timeout, expected.failures, expected.startPeriod) = (5, 1, 2, 60)
        #expect(s.health == expected)
        #expect(try spec("health = function() return true end").health == HealthSpec(probe: .function))
        #expect(try spec("health = { check = function() return true end }").health?.probe == .function)
        let r = try spec(#"requires = { "cache", db = "healthy", migrate = "succeeded" }"#)
        #expect(r.requires == ["cache", "db", "migrate"])
        #expect(r.requireConditions == ["db": .healthy, "migrate": .succeeded])
        #expect(try spec(#"requires = { "a", "b" }"#).requireConditions.isEmpty)
    }

    @Test(arguments: [
        (
            #"ready = "soon""#,
            #"'ready' must be "started", "notify", a table ({fd=N}, {log=PATTERN}, {tcp=ADDR}, {http=URL}, {exec=CMD}) or a function, got "soon""#
        ),
        ("ready = {}", "'ready' needs exactly one of fd, log, tcp, http, exec"),
        (#"ready = { tcp = "a:1", http = "http://a/" }"#, "'ready' needs exactly one of fd, log, tcp, http, exec, got tcp and http"),
        (#"ready = { tpc = "a:1" }"#, "'ready' has an unknown key 'tpc' (did you mean 'tcp'?)"),
        ("ready = { fd = 1 }", "'ready.fd' must be a descriptor number from 3 to 1023 (0-2 are stdin, stdout and stderr)"),
        (#"ready = { tcp = "localhost" }"#, #"'ready.tcp' must be "HOST:PORT" ("[::1]:PORT" for IPv6)"#),
        (#"ready = { tcp = "a:70000" }"#, #"'ready.tcp' must be "HOST:PORT" ("[::1]:PORT" for IPv6)"#),
        (#"ready = { http = "https://a/" }"#, "'ready.http': https is not supported; probe http://"),
        (#"ready = { http = "ftp://a/" }"#, #"'ready.http' must be a URL like "http://127.0.0.1:8080/health", got "ftp://a/""#),
        ("ready_timeout = 0", "'ready_timeout' must be more than 0"),
        ("health = 5", "'health' must be a table or a function, got number"),
        (#"health = { every = "5s" }"#, "'health' needs exactly one of tcp, http, exec, check (a function)"),
        (#"health = { tcp = "a:1", failures = 0 }"#, "'health.failures' must be at least 1, got 0"),
        (#"requires = { db = "up" }"#, #"'requires.db' must be "started", "ready", "healthy" or "succeeded", got "up""#),
        ("watchdog = 5", #"'watchdog' needs ready = "notify" (WATCHDOG=1 comes over the notify socket)"#),
        ("on_health = function() end", "'on_health' needs a 'health' check (or a 'watchdog')"),
        (
            #"ready = { log = "x" }, stdout = "a", stderr = "b""#,
            "'ready.log' reads the output the daemon captures; with both 'stdout' and 'stderr' going to files there is none"
        ),
    ])
    func badValuesAreNamed(_ fields: String, _ message: String) {
        #expect(configError(#"ppm.service { name = "w", cmd = "x", \#(fields) }"#) == "ppm.lua:1: service 'w': \(message)")
    }

    @Test func jsonAndLuaFormsRoundTrip() throws {
        var spec = ServiceSpec(name: "web", cmd: ["/bin/web"])
        spec.ready = .probe(.http("http://127.0.0.1:8080/ready"))
        spec.readyTimeout = 30
        spec.readyEvery = 0.25
        var health = HealthSpec(probe: .exec(["/bin/check", "-q"]))
        (health.every, health.failures, health.startPeriod) = (7, 4, 1.5)
        spec.health = health
        spec.requires = ["cache", "db"]
        spec.requireConditions = ["db": .healthy]
        #expect(SpecJSON.decode(SpecJSON.encode(spec)) == spec)
        let host = try load(SpecLua.statement(spec) + Self.others)
        #expect(host.declared.first == spec)
        var notify = ServiceSpec(name: "n", cmd: ["/bin/n"])
        notify.ready = .notify
        notify.watchdog = 3
        #expect(SpecJSON.decode(SpecJSON.encode(notify)) == notify)
        #expect(try load(SpecLua.statement(notify)).declared.first == notify)
    }
}
