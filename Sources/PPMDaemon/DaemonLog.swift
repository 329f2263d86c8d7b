import PPMMachine
import PPMRuntime
import SystemCalls

/// The daemon's log on stderr, one line per message:
/// `2026-01-02T03:04:05.678Z warn: text`; `debug` lines only with `--verbose`.
/// A value each part of the daemon keeps (called like a function).
struct DaemonLog: Sendable {
    /// Whether `debug` lines are written.
    let verbose: Bool

    /// Writes `message` at `level` (`debug`, `info`, `warn`, `error`).
    func callAsFunction(_ level: String, _ message: String) {
        if level == "debug" && !verbose { return }
        Console.error("\(ServiceEvent.utc(SystemClock.wall())) \(level): \(message)\n")
    }
}
