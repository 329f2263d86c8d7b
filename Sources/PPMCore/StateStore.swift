import CSystem
import Glibc

/// What the daemon must remember across its own restarts: the process group
/// each service runs (pid + start time, so a later daemon never runs a
/// service twice and never touches a recycled pid) and the services added at
/// run time (with whether they were stopped on request).
///
/// Kept as an append-only log of JSON lines (`<home>/state.jsonl`): each
/// loop turn appends what changed in one write, on a background queue, so
/// no event waits for the disk; the log is rewritten as a snapshot (temporary
/// file, fsync, rename) only once it holds several times more lines than
/// live records. fsync happens only for run-time service definitions and
/// snapshots, never on the restart path. A `gone` record alone forces no
/// write: it rides along with the next one (a later daemon checks pid and
/// start time anyway), so the exits of `stop all` cost no write each.
public final class StateStore {
    /// A recorded process group: its leader and when it started (clock
    /// ticks since boot, /proc/PID/stat field 22).
    public struct Process: Sendable, Equatable {
        public var pid: Int32
        public var start: UInt64
    }

    /// One run-time service: its spec and whether it was stopped on request.
    public struct Entry: Sendable, Equatable {
        public var spec: ServiceSpec
        public var held: Bool
    }

    public var path: String { file.path }
    private let file: BackgroundFile
    /// Running process groups by service, as recorded.
    public private(set) var processes: [String: Process] = [:]
    /// Run-time services in the order they were added.
    public var services: [Entry] { serviceOrder.compactMap { serviceEntries[$0] } }
    private var serviceEntries: [String: Entry] = [:]
    private var serviceOrder: [String] = []
    /// How many batches have been written (a diagnostic for tests and `status`).
    public private(set) var writes = 0

    private var pending = ""
    private var pendingSync = false
    /// Whether what is pending must be written at the next flush.
    private var pendingUrgent = false
    private var lines = 0

    /// Loads the log at `path`; a missing file is an empty state. `legacy`
    /// names the files of earlier versions (`services.json`, `pids.json`),
    /// read once when the log does not exist yet.
    public init(path: String, legacy: (services: String, pids: String)? = nil) {
        file = BackgroundFile(path: path, label: "ppm-lua.state")
        if let text = FileContents.read(path) {
            for line in text.split(separator: "\n") {
                if let json = try? JSONValue.parse(String(line)) { replay(json) }
                lines += 1
            }
        } else if let legacy {
            loadLegacy(services: legacy.services, pids: legacy.pids)
            if !services.isEmpty || !processes.isEmpty { compact(sync: true) }
        }
    }

    /// Records a change; written at the next `flush`.
    public func apply(_ change: StateChange) {
        let line: JSONValue
        switch change {
        case .running(let name, let pid):
            guard let start = Self.startTime(pid) else { return }
            processes[name] = Process(pid: pid, start: start)
            line = .object(["run": .string(name), "pid": .int(Int64(pid)), "start": .int(Int64(start))])
        case .gone(let name):
            guard processes.removeValue(forKey: name) != nil else { return }
            pending += JSONValue.object(["gone": .string(name)]).text + "\n"
            lines += 1
            return
        case .saved(let spec, let held):
            save(Entry(spec: spec, held: held))
            line = .object(["add": SpecJSON.encode(spec), "held": .bool(held)])
            pendingSync = true
        case .held(let name, let held):
            guard serviceEntries[name] != nil else { return }
            serviceEntries[name]?.held = held
            line = .object(["held": .string(name), "value": .bool(held)])
        case .forgotten(let name):
            forget(name)
            line = .object(["forget": .string(name)])
            pendingSync = true
        }
        pending += line.text + "\n"
        lines += 1
        pendingUrgent = true
    }

    /// Writes what changed since the last flush: one append, or a snapshot
    /// when the log has grown well past the live records.
    public func flush() {
        guard pendingUrgent else { return }
        writes += 1
        pendingUrgent = false
        if lines > 256 + 4 * (processes.count + serviceEntries.count) {
            pending = ""
            pendingSync = false
            return compact(sync: false)
        }
        let text = pending
        let sync = pendingSync
        pending = ""
        pendingSync = false
        file.append(text, sync: sync)
    }

    /// Waits until every write queued so far is on disk (before the daemon exits).
    public func sync() {
        if !pending.isEmpty { pendingUrgent = true }
        flush()
        file.drain()
    }

    /// Rewrites the log as the live records only.
    private func compact(sync: Bool) {
        var text = ""
        for entry in services {
            text += JSONValue.object(["add": SpecJSON.encode(entry.spec), "held": .bool(entry.held)]).text + "\n"
        }
        for (name, p) in processes.sorted(by: { $0.key < $1.key }) {
            text += JSONValue.object(["run": .string(name), "pid": .int(Int64(p.pid)), "start": .int(Int64(p.start))]).text + "\n"
        }
        lines = serviceEntries.count + processes.count
        file.replace(with: text, sync: true, wait: sync)
    }

    private func replay(_ json: JSONValue) {
        if let name = json["run"]?.stringValue, let pid = json["pid"]?.intValue, let start = json["start"]?.intValue {
            processes[name] = Process(pid: Int32(truncatingIfNeeded: pid), start: UInt64(max(0, start)))
        } else if let name = json["gone"]?.stringValue {
            processes[name] = nil
        } else if let specJSON = json["add"], let spec = SpecJSON.decode(specJSON) {
            save(Entry(spec: spec, held: json["held"]?.boolValue ?? false))
        } else if let name = json["held"]?.stringValue {
            serviceEntries[name]?.held = json["value"]?.boolValue ?? false
        } else if let name = json["forget"]?.stringValue {
            forget(name)
        }
    }

    private func save(_ entry: Entry) {
        if serviceEntries.updateValue(entry, forKey: entry.spec.name) == nil { serviceOrder.append(entry.spec.name) }
    }

    private func forget(_ name: String) {
        guard serviceEntries.removeValue(forKey: name) != nil else { return }
        serviceOrder.removeAll { $0 == name }
    }

    private func loadLegacy(services servicesPath: String, pids pidsPath: String) {
        if let text = FileContents.read(servicesPath), let json = try? JSONValue.parse(text) {
            for item in json["services"]?.arrayValue ?? [] {
                guard let spec = item["spec"].flatMap(SpecJSON.decode) else { continue }
                save(Entry(spec: spec, held: item["stopped"]?.boolValue ?? false))
            }
        }
        if let text = FileContents.read(pidsPath), let json = try? JSONValue.parse(text), let o = json.objectValue {
            for (name, entry) in o {
                guard let pid = entry["pid"]?.intValue, let start = entry["start"]?.intValue else { continue }
                processes[name] = Process(pid: Int32(truncatingIfNeeded: pid), start: UInt64(max(0, start)))
            }
        }
    }

    /// The recorded process groups whose leader still runs (same pid, same
    /// start time), by service name.
    public func leftovers() -> [(name: String, pid: Int32)] {
        processes.compactMap { name, p in Self.startTime(p.pid) == p.start ? (name, p.pid) : nil }.sorted { $0.name < $1.name }
    }

    /// The recorded process groups whose leader is gone while members remain
    /// (a stop was draining them when the daemon died). A pid is not given
    /// out again while a group still uses it, so these are the same groups.
    public func strays() -> [(name: String, pgid: Int32)] {
        processes.compactMap { name, p in
            Self.startTime(p.pid) == nil && ppm_group_alive(p.pid) != 0 ? (name, p.pid) : nil
        }.sorted { $0.name < $1.name }
    }

    /// How long ago a process started, in seconds (nil if it is gone).
    public static func age(_ pid: Int32) -> Double? {
        guard let start = startTime(pid) else { return nil }
        var boot = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        let uptime = Double(boot.tv_sec) + Double(boot.tv_nsec) / 1e9
        return max(0, uptime - Double(start) / Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// When a process started, in clock ticks since boot (/proc/PID/stat field 22).
    public static func startTime(_ pid: Int32) -> UInt64? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buffer -> UInt64? in
            let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            let n = read(fd, buffer.baseAddress, buffer.count)
            close(fd)
            guard n > 0 else { return nil }
            let stat = UnsafeBufferPointer(rebasing: buffer[..<n])
            // The command may hold spaces and ')': fields start after the last ')'.
            guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
            var field = 2  // the command is field 2; the state (3) follows ") "
            var value: UInt64 = 0
            for byte in stat[(close + 1)...] {
                if byte == UInt8(ascii: " ") {
                    if field == 22 { return value }
                    field += 1
                    value = 0
                } else if field == 22, byte >= 48, byte <= 57 {
                    value = value * 10 + UInt64(byte - 48)
                }
            }
            return field == 22 ? value : nil
        }
    }
}
