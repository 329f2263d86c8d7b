import Foundation
import LuaKit
import PPMMachine
import Testing

@testable import PPMScript

/// Writes `source` as a config file and loads it into a fresh Lua state.
/// The source tree's `plugins/` folder.
let bundledPlugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("plugins").path

func load(_ source: String) throws -> ConfigLoader {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ppm-script-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("ppm.lua").path
    try source.write(toFile: path, atomically: true, encoding: .utf8)
    let host = try ConfigLoader(context: .init(version: "test", configPath: path, home: dir.path, pluginFolders: [bundledPlugins]))
    try host.loadConfig(path: path)
    return host
}

/// A config loaded and handed to a hook host, not attached to a loop (eval, completion).
func loadHost(_ source: String) throws -> HookHost {
    HookHost(try load(source))
}

/// The error a config produces, without the temporary folder.
func configError(_ source: String) -> String {
    do {
        _ = try load(source)
        return "no error"
    } catch let e as LuaError {
        let m = e.message
        return m.range(of: "ppm.lua:").map { String(m[$0.lowerBound...]) } ?? m
    } catch {
        return "\(error)"
    }
}

@Suite struct ShellWordsTests {
    @Test func splitsLikeAShellWithoutExpansion() throws {
        #expect(
            try ShellWords.split(#"/bin/sh -c "echo \"hi\" $HOME" 'a b' c\ d"#)
                == ["/bin/sh", "-c", #"echo "hi" $HOME"#, "a b", "c d"])
        #expect(try ShellWords.split("  a   b  ") == ["a", "b"])
        #expect(try ShellWords.split("x '' y") == ["x", "", "y"])
        #expect(throws: ShellWords.Failure.self) { try ShellWords.split("echo 'oops") }
    }

    @Test func joinRoundTrips() throws {
        let words = ["/bin/echo", "it's", "a b", "$x", ""]
        #expect(try ShellWords.split(ShellWords.join(words)) == words)
    }

    /// Found by `scripts/fuzz.sh` (target shellwords): a combining mark right
    /// after a quote or a backslash joined it into one Character, which hid
    /// the quote: `'\u{301}x'` stayed unterminated, and a word starting with
    /// a combining mark, or holding one after a quote, did not survive `join`.
    @Test func combiningMarkAfterAQuoteKeepsTheQuote() throws {
        #expect(try ShellWords.split("echo '\u{301}x' \"\u{316}y\" \\\u{301}z") == ["echo", "\u{301}x", "\u{316}y", "\u{301}z"])
        let words = ["\u{316}\u{FFFD}", "\u{49C}e\"", "a\r", "\r\n", "it'\u{8CB}s"]
        #expect(try ShellWords.split(ShellWords.join(words)) == words)
    }
}

@Suite struct ConfigTests {
    @Test func readsEveryField() throws {
        let host = try load(
            """
            ppm.service {
              name = "web", cmd = "/usr/bin/python3 -m 'http.server' 8080",
              dir = "/srv", env = { PORT = 8080 }, clean_env = true,
              stdin = "/dev/null", stdout = "web.out", stderr = "web.err",
              ulimit = { nofile = 4096, memlock = "infinity", core = { soft = 0, hard = 100 } },
              nice = 5, cpu = { 0, 1 }, groups = { "front" }, autostart = false,
              start_after = "500ms", once = true, wait = true, disabled = false,
              depends = { "/etc/x" }, bounce = "1h", stop_signal = "INT", stop_timeout = 3,
              restart = "always", on_start = function(ev) end, on_exit = function(ev) end,
            }
            """)
        let spec = try #require(host.declared.first)
        #expect(spec.cmd == ["/usr/bin/python3", "-m", "http.server", "8080"])
        #expect(spec.env == ["PORT": "8080"])
        #expect(
            spec.ulimit == [
                ResourceLimit(name: "core", soft: 0, hard: 100),
                ResourceLimit(name: "memlock", soft: nil, hard: nil),
                ResourceLimit(name: "nofile", soft: 4096, hard: 4096),
            ])
        #expect(spec.startAfter == 0.5)
        #expect(spec.bounce == 3600)
        #expect(spec.stopSignal == 2)
        #expect(spec.restart == .always)
        #expect(spec.cpu == [0, 1])
        #expect(!spec.autostart && spec.once && spec.wait)
        #expect(spec.scriptedFields == ["on_start", "on_exit"])
    }

    @Test func errorsNameFileLineServiceAndSuggestion() {
        #expect(
            configError(
                """
                ppm.service { name = "a", cmd = "/bin/true" }

                ppm.service { name = "web", cmd = "/bin/true", restrat = "always" }
                """) == "ppm.lua:3: service 'web': unknown field 'restrat' (did you mean 'restart'?)")
        #expect(
            configError(#"ppm.service { name = "web", cmd = 42 }"#)
                == "ppm.lua:1: service 'web': 'cmd' must be a string or an array of strings, got number")
        #expect(configError(#"ppm.service { name = "web" }"#) == "ppm.lua:1: service 'web': missing 'cmd'")
        #expect(configError(#"ppm.service { cmd = "/bin/true" }"#) == "ppm.lua:1: service: missing 'name'")
        #expect(
            configError(
                """
                ppm.service { name = "web", cmd = "/bin/true" }
                ppm.service { name = "web", cmd = "/bin/true" }
                """) == "ppm.lua:2: service 'web': duplicate name (already declared above)")
        #expect(
            configError(#"ppm.service { name = "w", cmd = "x", start_after = "soon" }"#)
                == "ppm.lua:1: service 'w': 'start_after' is not a duration: \"soon\" (use seconds or a unit: 500ms, 10s, 5m, 1h, 1d)")
        #expect(
            configError(#"ppm.service { name = "w", cmd = "x", autostart = "yes" }"#)
                == "ppm.lua:1: service 'w': 'autostart' must be a boolean, got string")
        #expect(
            configError(#"ppm.service { name = "w", cmd = "x", restart = "sometimes" }"#)
                == "ppm.lua:1: service 'w': 'restart' must be \"on-failure\", \"always\", \"never\" or a function, got \"sometimes\"")
        #expect(
            configError(#"ppm.service { name = "w", cmd = "x", ulimit = { nofiles = 3 } }"#)
                == "ppm.lua:1: service 'w': 'ulimit': unknown resource 'nofiles' (did you mean 'nofile'?)")
        #expect(
            configError("\nppm.service { name = \"w\", cmd = \"x\", requires = { \"db\" } }")
                == "ppm.lua:2: service 'w' requires unknown service 'db'")
        #expect(configError("ppm.service { name = ").hasPrefix("ppm.lua:1:"))
        #expect(
            configError(#"ppm.settings { hook_timout = 1 }"#)
                == "ppm.lua:1: ppm.settings: unknown setting 'hook_timout' (did you mean 'hook_timeout'?)")
    }

    /// Issue #9 items 10–13.
    @Test func misspeltAndWrongFieldsNameTheirOwnLineAndTheFieldMeant() {
        let service = { (field: String) in "ppm.service {\n  name = \"web\",\n  cmd = \"/bin/true\",\n  \(field) = {},\n}" }
        #expect(configError(service("comand")) == "ppm.lua:4: service 'web': unknown field 'comand' (did you mean 'cmd'?)")
        #expect(configError(service("command")) == "ppm.lua:4: service 'web': unknown field 'command' (did you mean 'cmd'?)")
        #expect(configError(service("enviroment")) == "ppm.lua:4: service 'web': unknown field 'enviroment' (did you mean 'env'?)")
        #expect(configError(service("restart")) == "ppm.lua:4: service 'web': 'restart' must be a string or a function, got table")
        #expect(configError(service("zzzzzzzz")) == "ppm.lua:4: service 'web': unknown field 'zzzzzzzz'")
        #expect(
            configError("ppm.service { name = \"w\", cmd = \"x\",\n  start_after = -5 }")
                == "ppm.lua:2: service 'w': 'start_after' must not be negative, got -5")
    }

    /// supervisord's `numprocs` and a `cron` field point at what does it (issue #24).
    @Test func foreignFieldsPointAtTheirIdiom() {
        let service = { (field: String) in "ppm.service { name = \"web\", cmd = \"/bin/true\",\n  \(field) }" }
        let numprocs = configError(service("numprocs = 4"))
        #expect(numprocs.hasPrefix("ppm.lua:2: service 'web': unknown field 'numprocs' (no such field; "), "\(numprocs)")
        #expect(numprocs.contains("instances = 3 runs NAME@1"), "\(numprocs)")
        let cron = configError(service("cron = \"*/5 * * * *\""))
        #expect(cron.hasPrefix("ppm.lua:2: service 'web': unknown field 'cron' (no such field; "), "\(cron)")
        #expect(cron.contains("restart = require(\"cron\")"), "\(cron)")
        #expect(!cron.contains("\n"))
    }

    @Test func settingsAndTimersAreNamedByTheirCallNotAsServices() {
        #expect(
            configError("local x = 1\nppm.settings { log_keep = \"many\" }")
                == "ppm.lua:2: ppm.settings: 'log_keep' must be an integer, got string")
        #expect(
            configError("local x = 1\nppm.settings {\n  hook_timeout = 1,\n  log_max_size = \"big\" }")
                .hasPrefix("ppm.lua:4: ppm.settings: 'log_max_size' is not a size"))
        #expect(
            configError("local x = 1\nppm.after(-1, function() end)")
                == "ppm.lua:2: ppm.after: 'seconds' must not be negative, got -1")
        #expect(configError("ppm.every(0, function() end)") == "ppm.lua:1: ppm.every: 'seconds' must be more than 0, got 0.0")
        #expect(configError("ppm.spawn(42)") == "ppm.lua:1: ppm.spawn: 'cmd' must be a string or an array of strings, got number")
    }

    @Test func aLoopingOrMemoryEatingConfigNamesTheLine() {
        #expect(
            configError("ppm.settings { memory_limit = 4 * 1024 * 1024 }\nlocal t = {}\nfor i = 1, 1e9 do\n  t[i] = string.rep('x', 4096) .. i\nend")
                == "ppm.lua:4: the config went past the Lua memory limit of 4 MiB")
    }

    @Test func aConfigStoppedByItsTimeBudgetNamesTheLine() {
        let traceback = "stack traceback:\n\t[C]: in ?\n\t/x/ppm.lua:3: in local 'f'\n\t/x/ppm.lua:5: in main chunk"
        #expect(LuaError.firstPosition(traceback) == "/x/ppm.lua:3")
        let e = ConfigErrors.locate(
            .timeout(seconds: 10, traceback: traceback), path: "/x/ppm.lua", source: "",
            fault: LuaError.firstPosition(traceback))
        #expect(e.message == "/x/ppm.lua:3: the config ran past its 10 s time budget (an endless loop?)")
    }

    @Test func longPathsAreNamedWhole() throws {
        let deep = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ppm-script-\(UUID().uuidString)/a/very/deep/directory/structure/that/is/long"
        ).path
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let path = deep + "/ppm-config-with-a-long-name.lua"
        try "local x = 1\nerror('boom')".write(toFile: path, atomically: true, encoding: .utf8)
        let host = try ConfigLoader(context: .init(version: "test", configPath: path, home: deep, pluginFolders: []))
        #expect(throws: LuaError.self) { try host.loadConfig(path: path) }
        do { try host.loadConfig(path: path) } catch let e as LuaError {
            #expect(e.message == "\(path):2: boom")
            #expect(e.traceback?.contains("\(path):2: in main chunk") == true)
        }
        try "x = = 1".write(toFile: path, atomically: true, encoding: .utf8)
        do { try host.loadConfig(path: path) } catch let e as LuaError {
            #expect(e.message.hasPrefix("\(path):1: unexpected symbol"))
        }
    }

    @Test(.enabled(if: geteuid() != 0)) func userNeedsRoot() {
        #expect(
            configError(#"ppm.service { name = "w", cmd = "x", user = "nobody" }"#)
                .hasPrefix("ppm.lua:1: service 'w': 'user' needs the daemon to run as root"))
    }

    @Test func daemonKillingCallsAreRefusedWithTheAlternative() {
        #expect(configError("os.exit(1)").contains("ppm.shutdown()"))
        #expect(configError("os.execute('ls')").contains("ppm.spawn"))
    }
}

@Suite struct ModuleTests {
    @Test func logIsCallableAndHasLevels() throws {
        var lines: [String] = []
        let host = try loadHost("")
        host.daemon.log = { level, message in lines.append("\(level): \(message)") }
        _ = try host.lua.run("ppm.log('a', 1) ppm.log.warn('b') ppm.log.error('c') assert(require('ppm') == ppm)", chunkName: "=t")
        #expect(lines == ["info: a 1", "warn: b", "error: c"])
    }

    @Test func evalPrintsValuesAndCapturesPrint() throws {
        let host = try loadHost("")
        let r = try host.eval("t = { 1, 2, x = { y = 'z' } } t.self = t print('hi', 2) return t, nil, 1.0", budget: 1)
        #expect(r.values == [#"{ 1, 2, self = <cycle>, x = { y = "z" } }"#, "nil", "1.0"])
        #expect(r.output == "hi\t2\n")
        #expect(try host.eval("1 + 1", budget: 1).values == ["2"])
        #expect(try host.eval("=t[1]", budget: 1).values == ["1"])
        let flood = try host.eval("for i = 1, 20000 do print(string.rep('x', 100)) end", budget: 20)
        #expect(flood.output.utf8.count < HookHost.maxOutput + 200)
        #expect(flood.output.hasSuffix("truncated at \(HookHost.maxOutput) bytes)\n"))
    }
}
