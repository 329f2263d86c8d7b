import ArgumentParser
import LuaKit
import PPMClient
import PPMClientCommands
import PPMProtocol
import PPMScript

/// `ppm-lua test FILE [--events JOURNAL]`: a config's or a plugin's
/// policies, run offline against scripted events or a recorded journal.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run policies offline: expectations in FILE, or a recorded journal replayed through FILE's services.",
        discussion: """
            FILE is a config or a test file, loaded as a config (nothing starts)
            with three more globals:

            expect(policy, event).to_be(action)
              policy: a function, or the name of a service declared so far
              event: a partial event table, e.g. {result = 33, runtime = 2}
              action: "restart", {action = "restart", after = 10}, "stop",
              "fatal" or nil
            expect_call(call, target)
              the hooks of the last expect called ppm.<call>(target); offline,
              ppm.start, stop, restart, remove, signal, spawn, shutdown and
              reload are recorded, not carried out (spawn: the command or its
              first word)
            load_config(path)
              runs a config (relative to FILE's folder) to declare its services

            Each expectation prints ok or FAIL with its line; a hook that raises
            is a FAIL. A summary line ends the output; the exit status is 1 when
            an expectation failed or an error stopped FILE.

            With --events, every exit in the journal (events.jsonl) goes through
            its service's on_exit, policy or default, and the decision is printed
            with the ppm.* calls it made.
            """)

    @Argument(help: "The config or test file.")
    var file: String

    @Option(name: .customLong("events"), help: "A recorded journal (<home>/events.jsonl) to replay.")
    var journal: String?

    func run() throws {
        let tester: PolicyTester
        do {
            tester = try PolicyTester(file: file, home: Locations().home, pluginFolders: Locations.pluginFolders())
        } catch let e as LuaError {
            printError(e.message)
            throw ExitCode(1)
        }
        var errors = 0  // what stopped the file or the replay before its end
        do { try tester.run(file) } catch let e as LuaError {
            printError(e.message)
            errors += 1
        }
        var replayed: (lines: [String], failed: Int)?
        if let journal {
            do {
                let replay = try tester.replay(journal: journal)
                replay.lines.forEach { print($0) }
                if replay.lines.isEmpty { print("no exits of \(file)'s services in \(journal)") }
                replayed = replay
            } catch let e as LuaError {
                printError(e.message)
                errors += 1
            }
        }
        let (checked, failed) = (try? tester.summary()) ?? (0, 0)
        var summary = "\(checked) expectation\(checked == 1 ? "" : "s"), \(failed) failed"
        if let replayed {
            let n = replayed.lines.count
            summary += "; \(n) exit\(n == 1 ? "" : "s") replayed, \(replayed.failed) failed"
        }
        if errors > 0 { summary += "; \(errors) error\(errors == 1 ? "" : "s") (above)" }
        print(summary)
        if failed + (replayed?.failed ?? 0) + errors > 0 { throw ExitCode(1) }
    }
}
