import Glibc
import PPMClient
package import PPMMachine
import SystemCalls

/// Runs a request whose result is one item per service
/// (`{name, ok, message}`) and prints `name: message` for each, as each
/// completes: successes on stdout (unless `quiet`), failures on stderr.
/// Each step of a stop that takes more than a second says what it is
/// waiting for and what follows when (`StopNotices`). Exits 1 if the
/// request failed for any service.
package struct ServiceReport {
    /// Where the daemon is.
    package let client: DaemonTarget
    /// Failures only.
    package let quiet: Bool
    /// Printed when the request concerned no service at all.
    package var whenNone: String?

    /// A report of the request sent to `client`.
    package init(client: DaemonTarget, quiet: Bool, whenNone: String? = nil) {
        (self.client, self.quiet, self.whenNone) = (client, quiet, whenNone)
    }

    /// How long `quit` waits for the daemon's process to end once every service stopped.
    static let exitPatience = 30.0

    /// How long a stop may take before the client says it is waiting.
    static let patience = 1.0

    /// Runs the request; with `untilExit`, returns only once the daemon's
    /// process is gone (`quit`: the home is then free for another daemon).
    package func run(_ cmd: String, _ args: [String: JSONValue], untilExit: Bool = false) throws {
        let connection = try client.connect()
        let exit = untilExit ? DaemonExitWatch(connection) : nil
        var args = args
        args["progress"] = .bool(true)
        let asked = SystemClock.monotonic()
        var notices = StopNotices(patience: Self.patience)
        var reported = Set<String>()
        var failed = false
        func report(_ item: JSONValue) {
            let name = item["name"]?.stringValue ?? "?"
            guard reported.insert(name).inserted else { return }
            let message = item["message"]?.stringValue ?? ""
            if item["ok"]?.boolValue == false {
                failed = true
                printError("\(name): \(message)")
            } else if !quiet {
                print("\(name): \(message)")
                fflush(nil)
            }
        }
        do {
            try connection.send(cmd, args)
            while true {
                let timeout = quiet ? nil : notices.wait(at: SystemClock.monotonic() - asked)
                guard let reply = try connection.receiveReply(timeout: timeout) else {
                    for line in notices.due(at: SystemClock.monotonic() - asked, done: reported) { print(line) }
                    fflush(nil)
                    continue
                }
                switch reply {
                case .progress(let p):
                    for item in p["stopping"]?.arrayValue ?? [] { notices.add(item) }
                    if let item = p["done"] { report(item) }
                case .result(let r):
                    (r.value.arrayValue ?? []).forEach(report)
                    if r.value.arrayValue?.isEmpty == true && !quiet, let whenNone { print(whenNone) }
                    if failed { throw ClientExit(1) }
                    if let exit, !exit.wait(timeout: Self.exitPatience) {
                        printError("the daemon (pid \(exit.pid)) stopped its services but has not exited after \(Int(Self.exitPatience)) s")
                        throw ClientExit(1)
                    }
                    return
                }
            }
        } catch let e as ClientExit {
            throw e
        } catch {
            throw ClientExit.report(error)
        }
    }
}
