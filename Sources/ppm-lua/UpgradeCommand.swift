import ArgumentParser
import Glibc
import PPMControl
import PPMCore

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

    func run() throws {
        let asked = SystemClock.monotonic()
        let endpoint = try client.endpoint()
        let reply = try client.call("upgrade")
        let pid = reply["pid"]?.intValue ?? 0
        // The old image closes its sockets as it re-executes; the new one has
        // been up for less time than has passed since the request.
        for _ in 0..<500 {
            usleep(20_000)
            if let status = try? endpoint.connect().call("status"),
               status["pid"]?.intValue == pid, (status["uptime"]?.doubleValue ?? .infinity) < SystemClock.monotonic() - asked {
                print("daemon re-executed \(reply["binary"]?.stringValue ?? "") (pid \(pid)); \(status["services"]?.intValue ?? 0) services kept")
                return
            }
        }
        throw fail(ControlClient.Failure.failed("the daemon did not answer after re-executing; see its log"))
    }
}
