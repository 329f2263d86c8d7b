import Dispatch
import Glibc
import LuaKit
import PPMCore

/// What a daemon hands to the image it re-executes (`ppm-lua upgrade`):
/// everything else is on disk (state store, journal) or kept by the fd
/// holder (output pipes), and the services stay its children.
struct Handover {
    static let variable = "PPM_LUA_HANDOVER"
    /// Why the daemon re-executed ("upgrade", "watchdog: …").
    var cause: String
    /// What the old image knew of each service beyond its process.
    var services: [String: ResumedService]
    /// The `ppm.spawn` helpers still running.
    var helpers: [HelperProcesses.HandedOver] = []

    var json: JSONValue {
        .object([
            "cause": .string(cause),
            "services": .object(services.mapValues { r in
                var o: [String: JSONValue] = [
                    "state": .string(r.state.rawValue), "held": .bool(r.held),
                    "starts": .init(r.starts), "restarts": .init(r.restarts), "crashes": .init(r.crashes),
                ]
                if let due = r.startsIn { o["starts_in"] = .double(due) }
                if let e = r.lastExit {
                    o["last_exit"] = .object([
                        "result": .init(e.result), "signal": .init(e.signal), "runtime": .double(e.runtime), "time": .double(e.time),
                    ])
                }
                return .object(o)
            }),
            "helpers": .array(helpers.map { h in
                .object([
                    "pid": .init(h.pid), "cmd": .array(h.cmd.map(JSONValue.string)), "on_exit": .bool(h.onExit), "started": .double(h.started),
                    "deadline": .init(h.deadline), "kill_after": .double(h.killAfter), "pipes": .array(h.pipes.map { .init($0) }),
                ])
            }),
        ])
    }

    /// The handover this process was started with, removed from its environment.
    static func take() -> Handover? {
        guard let text = getenv(variable).map({ String(cString: $0) }) else { return nil }
        unsetenv(variable)
        guard let json = try? JSONValue.parse(text) else { return nil }
        var services: [String: ResumedService] = [:]
        for (name, o) in json["services"]?.objectValue ?? [:] {
            func int(_ key: String) -> Int { o[key]?.intValue.map { Int($0) } ?? 0 }
            let lastExit = o["last_exit"].flatMap { e -> LastExit? in
                guard e.objectValue != nil else { return nil }
                return LastExit(result: e["result"]?.intValue.map { Int32(truncatingIfNeeded: $0) },
                                signal: e["signal"]?.intValue.map { Int32(truncatingIfNeeded: $0) },
                                runtime: e["runtime"]?.doubleValue ?? 0, time: e["time"]?.doubleValue ?? 0)
            }
            services[name] = ResumedService(
                state: o["state"]?.stringValue.flatMap(ServiceState.init(rawValue:)) ?? .created,
                held: o["held"]?.boolValue ?? false, starts: int("starts"), restarts: int("restarts"),
                crashes: int("crashes"), lastExit: lastExit, startsIn: o["starts_in"]?.doubleValue)
        }
        let helpers = (json["helpers"]?.arrayValue ?? []).compactMap { h -> HelperProcesses.HandedOver? in
            guard let pid = h["pid"]?.intValue, pid > 0, pid <= Int32.max else { return nil }
            return HelperProcesses.HandedOver(
                pid: Int32(pid), cmd: (h["cmd"]?.arrayValue ?? []).compactMap(\.stringValue), onExit: h["on_exit"]?.boolValue ?? true,
                started: h["started"]?.doubleValue ?? 0,
                deadline: h["deadline"]?.doubleValue, killAfter: h["kill_after"]?.doubleValue ?? 0,
                pipes: (h["pipes"]?.arrayValue ?? []).compactMap { $0.intValue.map { Int32(truncatingIfNeeded: $0) } })
        }
        return Handover(cause: json["cause"]?.stringValue ?? "re-exec", services: services, helpers: helpers)
    }
}

/// The daemon the watchdog re-executes (one per process).
nonisolated(unsafe) private var guardedDaemon: Daemon?

extension Daemon {
    /// Arms the last-resort watchdog: a turn of the loop or a Lua call that
    /// outlives the hard limit (`watchdog` setting, else 10 s a turn and ten
    /// times a call's budget, at least 10 s) makes the daemon re-execute
    /// itself in place from the watchdog's thread. The loop is stuck then,
    /// so nothing else touches the state that is handed over.
    func installWatchdog(fixedSeconds: Double) {
        guardedDaemon = self
        StallGuard.install(fixedSeconds: fixedSeconds) { seconds, lua in
            guard let daemon = guardedDaemon else { return }
            let what = lua != 0 ? "a Lua call" : "a loop turn"
            _ = daemon.reexec(cause: "watchdog: \(what) ran past \(Console.fixed(seconds, decimals: 1)) s", quiet: true)
        }
    }

    /// Runs the binary now on disk in place of this one: same pid, so every
    /// service stays its child; the new image adopts them without a restart.
    /// Returns only if exec failed (with why).
    /// `quiet`: the log line is left out if stderr would block (the watchdog
    /// must reach the exec even when the loop is stuck writing there).
    func reexec(cause: String, quiet: Bool = false) -> String {
        var services: [String: ResumedService] = [:]
        for s in supervisor.list() {
            services[s.name] = ResumedService(state: s.state, held: s.held, starts: s.starts, restarts: s.restarts,
                                              crashes: s.crashes, lastExit: s.lastExit, startsIn: s.startsIn)
        }
        var handover = Handover(cause: cause, services: services)
        handover.helpers = helpers.handOver { lostHelperCallback($0) }
        let line = "re-executing the daemon (\(cause)); every service keeps running"
        if quiet { Console.errorIfWritable("\(ServiceEvent.utc(scheduler.wallNow)) info: \(line)\n") } else { log("info", line) }
        store.sync()
        journal.sync()
        setenv(Handover.variable, handover.json.text, 1)
        let path = Self.executablePath()
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv(path, &argv)
        let why = "cannot re-execute \(path): \(String(cString: strerror(errno)))"
        unsetenv(Handover.variable)
        _ = helpers.handOver(keep: false) { _ in }
        for p in argv { free(p) }
        log("error", why)
        return why
    }

    /// A `ppm.spawn` helper's `on_exit` that cannot run (the daemon
    /// re-executed while the helper ran): logged and journaled as a `hook_error`.
    func lostHelperCallback(_ message: String) {
        log("warn", message)
        let time = scheduler.wallNow
        journal.record("hook_error", name: nil, time: time, fields: ["error": .string(message), "utc": .string(ServiceEvent.utc(time))])
    }

    /// The daemon's executable (the file now at the path it was started from).
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return CommandLine.arguments[0] }
        let path = String(cString: buffer)
        return path.hasSuffix(" (deleted)") ? String(path.dropLast(10)) : path
    }

    /// The parent of a process, from /proc (nil if it is gone).
    static func parent(of pid: Int32) -> Int32? { ProcessTable.entry(pid)?.ppid }
}
