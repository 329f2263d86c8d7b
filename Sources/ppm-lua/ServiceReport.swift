import ArgumentParser
import FoundationEssentials
import Glibc
import PPMControl
import PPMCore

/// Runs a request whose result is one item per service
/// (`{name, ok, message}`) and prints `name: message` for each, as each
/// completes: successes on stdout (unless `quiet`), failures on stderr.
/// A stop that takes more than a second says what it is waiting for and
/// when SIGKILL follows. Exits 1 if the request failed for any service.
struct ServiceReport {
    let client: ClientOptions
    let quiet: Bool
    /// Printed when the request concerned no service at all.
    var whenNone: String?

    /// How long `quit` waits for the daemon's process to end once every service stopped.
    static let exitPatience = 30.0

    /// How long a stop may take before the client says it is waiting.
    static let patience = 1.0

    /// Runs the request; with `untilExit`, returns only once the daemon's
    /// process is gone (`quit`: the home is then free for another daemon).
    func run(_ cmd: String, _ args: [String: JSONValue], untilExit: Bool = false) throws {
        let connection = try client.connect()
        let exit = untilExit ? DaemonExitWatch(connection) : nil
        var args = args
        args["progress"] = .bool(true)
        let asked = Date()
        var stopping: [JSONValue] = []
        var reported = Set<String>()
        var failed = false
        var waited = false
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
                guard let reply = try connection.receiveReply(timeout: waited ? nil : Self.patience) else {
                    waited = true
                    if !quiet { sayWaiting(stopping.filter { !reported.contains($0["name"]?.stringValue ?? "") }, since: asked) }
                    continue
                }
                switch reply {
                case .progress(let p):
                    stopping += p["stopping"]?.arrayValue ?? []
                    if let item = p["done"] { report(item) }
                case .result(let r):
                    (r.value.arrayValue ?? []).forEach(report)
                    if r.value.arrayValue?.isEmpty == true && !quiet, let whenNone { print(whenNone) }
                    if failed { throw ExitCode(1) }
                    if let exit, !exit.wait(timeout: Self.exitPatience) {
                        printError("the daemon (pid \(exit.pid)) stopped its services but has not exited after \(Int(Self.exitPatience)) s")
                        throw ExitCode(1)
                    }
                    return
                }
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail(error)
        }
    }

    /// `web: still running (pid 123) after TERM; SIGKILL in 9 s`.
    private func sayWaiting(_ services: [JSONValue], since asked: Date) {
        let elapsed = Date().timeIntervalSince(asked)
        for s in services {
            let left = max(0, (s["kill_after"]?.doubleValue ?? 0) - elapsed)
            print("\(s["name"]?.stringValue ?? "?"): still running (pid \(s["pid"]?.intValue.map(String.init) ?? "-")) "
                  + "after \(s["signal"]?.stringValue ?? "TERM"); SIGKILL in \(Int(left.rounded(.up))) s")
        }
        fflush(nil)
    }
}
