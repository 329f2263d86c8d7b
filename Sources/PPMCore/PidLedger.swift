import Foundation

/// The processes a daemon has running, by service, kept in `<home>` so that
/// a daemon started after a crash of the previous one can end what that one
/// left behind: never two copies of a service. A pid is matched with its
/// start time, so a recycled pid is never touched.
public final class PidLedger {
    private let path: String
    private var running: [String: (pid: Int32, start: UInt64)] = [:]

    public init(path: String) { self.path = path }

    /// When a process started, in clock ticks since boot (/proc/PID/stat field 22).
    public static func startTime(_ pid: Int32) -> UInt64? {
        guard let stat = FileContents.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    public func started(_ name: String, pid: Int32) {
        guard let start = Self.startTime(pid) else { return }
        running[name] = (pid, start)
        save()
    }

    public func exited(_ name: String) {
        guard running.removeValue(forKey: name) != nil else { return }
        save()
    }

    /// The process groups recorded by the previous daemon that still run
    /// (same pid, same start time), by service name.
    public func leftovers() -> [(name: String, pid: Int32)] {
        guard let text = FileContents.read(path), let json = try? JSONValue.parse(text), let o = json.objectValue else { return [] }
        return o.compactMap { name, entry in
            guard let pid = entry["pid"]?.intValue.map(Int32.init), let start = entry["start"]?.intValue,
                  Self.startTime(pid) == UInt64(start) else { return nil }
            return (name, pid)
        }.sorted { $0.name < $1.name }
    }

    private func save() {
        let o = running.mapValues { JSONValue.object(["pid": .int(Int64($0.pid)), "start": .int(Int64($0.start))]) }
        try? AtomicFile.write(JSONValue.object(o).text + "\n", to: path, sync: false)
    }
}
