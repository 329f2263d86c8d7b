import CSystem
import Glibc
import PPMMachine
import PPMRuntime
import SystemCalls

/// What a daemon hands to the image it re-executes (`ppm-lua upgrade`):
/// everything else is on disk (state store, journal) or kept by the fd
/// holder (output pipes), and the services stay its children.
struct Handover {
    /// The environment variable naming the memory file (memfd) that holds
    /// the handover: the kernel caps one variable at 128 KiB, which 2000
    /// services' states outgrow.
    static let fdVariable = "PPM_LUA_HANDOVER_FD"
    /// Where images before the memfd put the whole handover (still read).
    static let variable = "PPM_LUA_HANDOVER"
    /// Why the daemon re-executed ("upgrade", "watchdog: …").
    var cause: String
    /// What the old image knew of each service beyond its process.
    var services: [String: ResumedService]
    /// What was known of each running service's run beyond its process
    /// (readiness, health, sd_notify notes, time left on its deadlines).
    var runs: [String: KeptRun] = [:]
    /// The `ppm.spawn` helpers still running.
    var helpers: [HelperProcesses.HandedOver] = []
    /// The descriptor holding the home's lock (`HomeLock`), kept open across the exec.
    var homeLock: Int32 = -1

    /// The handover as JSON, as `publish` writes it and `take` reads it.
    var json: JSONValue {
        var servicesJSON: [String: JSONValue] = [:]
        for (name, r) in services {
            var o: [String: JSONValue] = [
                "state": .string(r.state.rawValue), "held": .bool(r.held),
                "starts": .init(r.starts), "restarts": .init(r.restarts), "crashes": .init(r.crashes),
            ]
            if let due = r.startsIn { o["starts_in"] = .double(due) }
            if let run = runs[name] { o["run"] = run.json }
            if let e = r.lastExit {
                o["last_exit"] = .object([
                    "result": .init(e.result), "signal": .init(e.signal), "runtime": .double(e.runtime), "time": .double(e.time),
                    "errno": .init(e.errno), "status_text": .init(e.statusText),
                ])
            }
            servicesJSON[name] = .object(o)
        }
        return .object([
            "cause": .string(cause),
            "home_lock": .init(homeLock),
            "services": .object(servicesJSON),
            "helpers": .array(
                helpers.map { h in
                    .object([
                        "pid": .init(h.pid), "cmd": .array(h.cmd.map(JSONValue.string)), "on_exit": .bool(h.onExit), "started": .double(h.started),
                        "deadline": .init(h.deadline), "kill_after": .double(h.killAfter), "pipes": .array(h.pipes.map { .init($0) }),
                    ])
                }),
        ])
    }

    /// Writes the handover to a memory file the exec keeps open; the
    /// descriptor (the next image's `fdVariable`), or why it failed.
    func publish() -> Result<Int32, POSIXFailure> {
        let fd = ppm_memfd("ppm-lua-handover")
        guard fd >= 0 else { return .failure(POSIXFailure("memfd_create: \(String(cString: strerror(errno)))")) }
        do throws(SystemCallError) {
            try writeAll(fd, json.text)
            guard lseek(fd, 0, SEEK_SET) == 0 else { throw SystemCallError(code: errno) }
        } catch {
            close(fd)
            return .failure(POSIXFailure("cannot write the handover: \(error)"))
        }
        return .success(fd)
    }

    /// The handover this process was started with (its memory file closed).
    static func take() -> Handover? {
        var text: String?
        if let fdText = ImageEnvironment.value(fdVariable), let fd = Int32(fdText) {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while let n = try? syscall({ read(fd, &chunk, chunk.count) }), n > 0 {
                bytes += chunk[0..<n]
            }
            close(fd)
            text = String(decoding: bytes, as: UTF8.self)
        } else if let old = ImageEnvironment.value(variable) {
            text = old
        }
        guard let text, let json = try? JSONValue.parse(text) else { return nil }
        var services: [String: ResumedService] = [:]
        var runs: [String: KeptRun] = [:]
        for (name, o) in json["services"]?.objectValue ?? [:] {
            if let run = o["run"].flatMap(KeptRun.init(json:)) { runs[name] = run }
            func int(_ key: String) -> Int { o[key]?.intValue.map { Int($0) } ?? 0 }
            let lastExit = o["last_exit"].flatMap { e -> LastExit? in
                guard e.objectValue != nil else { return nil }
                return LastExit(
                    result: e["result"]?.intValue.map { Int32(truncatingIfNeeded: $0) },
                    signal: e["signal"]?.intValue.map { Int32(truncatingIfNeeded: $0) },
                    runtime: e["runtime"]?.doubleValue ?? 0, time: e["time"]?.doubleValue ?? 0,
                    errno: e["errno"]?.intValue.map { Int32(truncatingIfNeeded: $0) },
                    statusText: e["status_text"]?.stringValue.map { String($0.prefix(KeptRun.maxText)) })
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
        var handover = Handover(cause: json["cause"]?.stringValue ?? "re-exec", services: services, helpers: helpers)
        handover.runs = runs
        handover.homeLock = json["home_lock"]?.intValue.map { Int32(truncatingIfNeeded: $0) } ?? -1
        return handover
    }
}
