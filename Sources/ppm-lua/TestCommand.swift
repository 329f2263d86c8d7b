import ArgumentParser
import LuaKit
import PPMProtocol
import PPMScript

/// `ppm-lua test FILE [--events JOURNAL]`: a config's or a plugin's
/// policies, run offline against scripted events or a recorded journal.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run policies offline: expectations in FILE, or a recorded journal replayed through FILE's services.",
        discussion: """
            FILE is a config or a test file; it is loaded as a config (nothing starts) with two more globals:
              expect(policy, event).to_be(action)  policy: a function or the name of a service declared so far;
                                                   event: a partial event table ({result = 33, runtime = 2});
                                                   action: "restart", {action = "restart", after = 10}, "stop", "fatal" or nil
              load_config(path)                    runs a config (relative to FILE's folder) to declare its services
            Each expectation prints ok or FAIL with its line; the exit status is 1 if one failed.
            With --events, every exit in the journal (events.jsonl) is replayed through the service's
            on_exit, policy or default, and the decision printed.
            """)

    @Argument(help: "The config or test file.")
    var file: String

    @Option(name: .customLong("events"), help: "A recorded journal (<home>/events.jsonl) to replay.")
    var journal: String?

    func run() throws {
        do {
            let tester = try PolicyTester(file: file, home: Locations().home, pluginFolders: Locations.pluginFolders())
            let (checked, failed) = try tester.run(file)
            if let journal {
                let lines = try tester.replay(journal: journal)
                lines.forEach { print($0) }
                if lines.isEmpty { print("no exits of \(file)'s services in \(journal)") }
            }
            if checked > 0 || journal == nil {
                print("\(checked) expectation\(checked == 1 ? "" : "s"), \(failed) failed")
            }
            if failed > 0 { throw ExitCode(1) }
        } catch let e as LuaError {
            printError(e.message)
            throw ExitCode(1)
        }
    }
}
