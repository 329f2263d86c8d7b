import CSystem
import Glibc
import LuaKit
import PPMMachine
import PPMRuntime
import SystemCalls

/// The upgrader the watchdog re-executes (one per process).
nonisolated(unsafe) private var guardedUpgrader: Upgrader?

/// Re-executes the daemon in place (`ppm-lua upgrade`, or the watchdog on a
/// stuck loop): same pid, so every service stays its child; what the new
/// image needs beyond the disk goes in a `Handover`.
final class Upgrader {
    private let loop: SupervisorLoop
    private let store: StateStore
    private let helpers: HelperProcesses
    private let homeLock: HomeLock
    private let notify: SdNotify
    private let log: DaemonLog

    /// An upgrader of the daemon these parts make up.
    init(loop: SupervisorLoop, store: StateStore, helpers: HelperProcesses, homeLock: HomeLock, notify: SdNotify, log: DaemonLog) {
        self.loop = loop
        self.store = store
        self.helpers = helpers
        self.homeLock = homeLock
        self.notify = notify
        self.log = log
    }

    /// Arms the last-resort watchdog: a turn of the loop or a Lua call that
    /// outlives the hard limit (`watchdog` setting, else 10 s a turn and ten
    /// times a call's budget, at least 10 s) makes the daemon re-execute
    /// itself in place from the watchdog's thread. The loop is stuck then,
    /// so nothing else touches the state that is handed over.
    func installWatchdog(fixedSeconds: Double) {
        guardedUpgrader = self
        StallGuard.install(fixedSeconds: fixedSeconds) { seconds, lua in
            guard let upgrader = guardedUpgrader else { return }
            let what = lua != 0 ? "a Lua call" : "a loop turn"
            _ = upgrader.reexec(cause: "watchdog: \(what) ran past \(DecimalText.fixed(seconds, decimals: 1)) s", quiet: true)
        }
    }

    /// Runs the binary now on disk in place of this one: same pid, so every
    /// service stays its child; the new image adopts them without a restart.
    /// Returns only if exec failed (with why).
    /// `quiet`: the log line is left out if stderr would block (the watchdog
    /// must reach the exec even when the loop is stuck writing there).
    func reexec(cause: String, quiet: Bool = false) -> String {
        var services: [String: ResumedService] = [:]
        for s in loop.supervisor.list() {
            services[s.name] = ResumedService(
                state: s.state, held: s.held, starts: s.starts, restarts: s.restarts,
                crashes: s.crashes, lastExit: s.lastExit, startsIn: s.startsIn)
        }
        var handover = Handover(cause: cause, services: services)
        handover.runs = Dictionary(uniqueKeysWithValues: loop.supervisor.list().compactMap { s in s.kept.map { (s.name, $0) } })
        handover.homeLock = homeLock.lock
        handover.helpers = helpers.handOver { lostHelper($0) }
        let line = "re-executing the daemon (\(cause)); every service keeps running"
        if quiet { Console.errorIfWritable("\(ServiceEvent.utc(SystemClock.wall())) info: \(line)\n") } else { log("info", line) }
        store.sync()
        loop.journal.sync()
        let path = Self.executablePath()
        var why: String
        switch handover.publish() {
        case .failure(let f):
            why = "cannot re-execute \(path): \(f.description)"
        case .success(let memory):
            HomeLock.keepAcrossExec(handover.homeLock, true)
            var handed = notify.keepAcrossExec(true)
            handed[Handover.fdVariable] = String(memory)
            var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
            var envp: [UnsafeMutablePointer<CChar>?] = ImageEnvironment.forNextImage(handed).map { strdup($0) } + [nil]
            execve(path, &argv, &envp)
            why = "cannot re-execute \(path): \(String(cString: strerror(errno)))"
            for p in argv + envp { free(p) }
            HomeLock.keepAcrossExec(handover.homeLock, false)
            notify.keepAcrossExec(false)
            close(memory)
        }
        _ = helpers.handOver(keep: false) { _ in }
        log("error", why)
        return why
    }

    /// A `ppm.spawn` helper's `on_exit` that cannot run (the daemon
    /// re-executed while the helper ran): logged and journaled as a `hook_error`.
    func lostHelper(_ message: String) {
        log("warn", message)
        loop.record(.hookError(message))
    }

    /// The daemon's executable (the file now at the path it was started from).
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return CommandLine.arguments[0] }
        let path = String(cString: buffer)
        return path.hasSuffix(" (deleted)") ? String(path.dropLast(10)) : path
    }
}
