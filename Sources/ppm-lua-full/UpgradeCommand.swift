import ArgumentParser
import Glibc
import PPMClient
import PPMClientCommands
import PPMProtocol
import PPMRuntime
import SystemCalls

/// `ppm-lua upgrade`: the daemon re-executes its binary in place.
struct UpgradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Run the ppm-lua binary now on disk in place of the daemon, without touching a service.",
        discussion: """
            Same pid, so every service stays the daemon's child and keeps running; the new \
            image reloads the config, adopts every service (counters and stopped ones kept) \
            and journals `daemon_restarted`. Returns once the new image answers.
            """)
    @OptionGroup var client: ClientOptions

    /// Seconds the new image has to answer.
    static let patience = 60.0

    func run() throws {
        let asked = SystemClock.monotonic()
        let askedAt = Double(time(nil)) - 1
        let endpoint = try client.endpoint()
        let reply = try client.call("upgrade")
        let pid = reply["pid"]?.intValue ?? 0
        // The old image closes its sockets as it re-executes; the new one has
        // been up for less time than has passed since the request. It adopts
        // every service before it answers: seconds with thousands of them.
        while SystemClock.monotonic() < asked + Self.patience {
            usleep(20_000)
            guard let connection = try? endpoint.connect(), let status = try? connection.call("status"),
                status["pid"]?.intValue == pid
            else { continue }
            if (status["uptime"]?.doubleValue ?? .infinity) < SystemClock.monotonic() - asked {
                print("daemon re-executed \(reply["binary"]?.stringValue ?? "") (pid \(pid)); \(status["services"]?.intValue ?? 0) services kept")
                return
            }
            // The old image answers: an exec that failed is journaled with why.
            let recent = (try? connection.call("events", ["n": .init(20)]))?.arrayValue ?? []
            if let failed = recent.last(where: { $0["type"]?.stringValue == "daemon_error" && ($0["time"]?.doubleValue ?? 0) >= askedAt }) {
                throw fail(ControlClient.Failure.failed(failed["error"]?.stringValue ?? "the daemon could not re-execute"))
            }
        }
        throw fail(ControlClient.Failure.failed("the daemon did not answer within \(Int(Self.patience)) s of re-executing; see its log"))
    }
}
