package import Dispatch
import Glibc
package import PPMMachine

/// What the daemon must remember across its own restarts: the process group
/// each service runs (pid + start time, so a later daemon never runs a
/// service twice and never touches a recycled pid) and the services added at
/// run time (with whether they were stopped on request).
///
/// Kept as an append-only log of JSON lines (`<home>/state.jsonl`): each
/// loop turn appends what changed in one write, on a background queue, so
/// no event waits for the disk; the log is rewritten as a snapshot (temporary
/// file, fsync, rename) once it holds several times more lines than live
/// records, and after a write failed (what it held is not in the file). A
/// `gone` record alone forces no write: it rides along with the next one (a
/// later daemon checks pid and start time anyway), so the exits of `stop
/// all` cost no write each.
///
/// Run-time service definitions asked by a client go through `commit`: they
/// are written and fsynced (with whatever else is pending) before the client
/// hears of them, or refused and undone. Process records never wait for the
/// disk and are not fsynced.
///
/// `@unchecked Sendable`: confined to the daemon's loop queue (`queue`),
/// where the file's answers are delivered too.
package final class StateStore: @unchecked Sendable {
    /// One run-time service: its spec and whether it was stopped on request.
    package struct Entry: Sendable, Equatable {
        package var spec: ServiceSpec
        package var held: Bool
    }

    /// The copies an `instances` template runs by `ppm-lua scale`, and the
    /// config's count then (a config that says another count wins).
    package struct Scale: Sendable, Equatable {
        package var count: Int
        package var configured: Int
    }

    package var path: String { file.path }
    /// `ppm-lua scale` choices by template name.
    package private(set) var scales: [String: Scale] = [:]
    private let file: BackgroundFile
    /// Running process groups by service, as recorded.
    package internal(set) var processes: [String: Process] = [:]
    /// Run-time services in the order they were added.
    package var services: [Entry] { serviceOrder.compactMap { serviceEntries[$0] } }
    private var serviceEntries: [String: Entry] = [:]
    private var serviceOrder: [String] = []
    /// How many batches have been written (a diagnostic for tests and `status`).
    package private(set) var writes = 0
    /// Why writing the log fails now (nil: it works).
    package private(set) var problem: WriteFailure?
    /// Told when writing starts failing (with why) and when it works again (nil).
    package var onProblem: ((WriteFailure?) -> Void)?
    /// What was repaired at start: the bytes of a torn last line cut off,
    /// and the lines that did not parse (the log was rewritten without them).
    package private(set) var repaired: (tornBytes: Int, badLines: Int) = (0, 0)

    private var pending = ""
    private var pendingSync = false
    /// Whether what is pending must be written at the next flush.
    private var pendingUrgent = false
    private var lines = 0
    /// A write failed: the file lacks what it held, so the next write is a
    /// whole snapshot of what is remembered.
    private var needsSnapshot = false

    /// Loads the log at `path`; a missing file is an empty state. A torn
    /// last line is cut off, and a log with lines that do not parse is
    /// rewritten without them. `queue` is where the file's answers run (the daemon's loop; nil:
    /// on the writing queue, for tests that wait with `sync`).
    package init(path: String, queue: DispatchQueue? = nil) {
        file = BackgroundFile(path: path, label: "ppm-lua.state", callbackQueue: queue)
        file.onFailure = { [weak self] in self?.writeFailed($0) }
        file.onRecovery = { [weak self] in self?.writeRecovered() }
        let torn = BackgroundFile.cutTornTail(path)
        var bad = 0
        if let text = FileContents.read(path) {
            for line in text.split(separator: "\n") {
                if let json = try? JSONValue.parse(String(line)), replay(json) { lines += 1 } else { bad += 1 }
            }
        }
        repaired = (torn, bad)
        if bad > 0 { compact(wait: true) }
    }

    /// Records a change; written at the next `flush`. A change that changes
    /// nothing (a service saved as it is, a second `forget`) writes nothing.
    package func apply(_ change: StateChange) {
        guard let line = record(change) else { return }
        pending += line + "\n"
        lines += 1
        switch change {
        case .gone: return  // rides along with the next write
        case .running, .kept: break
        case .saved, .held, .forgotten, .scaled: pendingSync = true
        }
        pendingUrgent = true
    }

    /// Writes `changes` at once, fsynced, with whatever else is pending (a
    /// group commit), and then calls `done` with nil; or, when they could
    /// not be written, undoes them here and calls `done` with why (nothing
    /// of them is in the file). Changes that change nothing write nothing:
    /// `done` runs at once. For run-time service definitions (`saved`,
    /// `held`, `forgotten`) asked by a client, which hears of them only then.
    package func commit(_ changes: [StateChange], done: @escaping (WriteFailure?) -> Void) {
        var undo: [(name: String, before: Entry?, index: Int?, after: Entry?)] = []
        var scalesBefore: [String: Scale] = [:]
        var text = ""
        for change in changes {
            if case .scaled(let name, _, _) = change, scalesBefore[name] == nil {
                scalesBefore[name] = scales[name] ?? Scale(count: 0, configured: 0)
            }
            let name = change.serviceName
            let before = serviceEntries[name]
            let index = serviceOrder.firstIndex(of: name)
            guard let line = record(change) else { continue }
            undo.append((name, before, index, serviceEntries[name]))
            text += line + "\n"
            lines += 1
        }
        guard !text.isEmpty else { return done(nil) }
        let answer: (WriteFailure?) -> Void = { [weak self] failure in
            if let self, failure != nil {
                for step in undo.reversed() where self.serviceEntries[step.name] == step.after {
                    self.restore(step.name, step.before, at: step.index)
                }
                for (name, scale) in scalesBefore { self.scales[name] = scale.count == 0 ? nil : scale }
            }
            done(failure)
        }
        pending += text
        pendingSync = true
        pendingUrgent = true
        flush(done: answer)
    }

    /// Writes what changed since the last flush: one append, or a snapshot
    /// when the log has grown well past the live records or a write failed.
    package func flush() { flush(done: nil) }

    private func flush(done: ((WriteFailure?) -> Void)?) {
        guard pendingUrgent else { return }
        writes += 1
        let text = pending
        let sync = pendingSync
        pending = ""
        pendingSync = false
        pendingUrgent = false
        if needsSnapshot || lines > 256 + 4 * (processes.count + serviceEntries.count + scales.count) {
            return compact(wait: false, done: done)
        }
        file.append(text, sync: sync, done: done)
    }

    /// Waits until every write queued so far is on disk (before the daemon exits).
    package func sync() {
        if !pending.isEmpty { pendingUrgent = true }
        flush()
        file.drain()
    }

    /// Rewrites the log as the live records only.
    private func compact(wait: Bool, done: ((WriteFailure?) -> Void)? = nil) {
        needsSnapshot = false
        var text = ""
        for entry in services {
            text += JSONValue.object(["add": SpecJSON.encode(entry.spec), "held": .bool(entry.held)]).text + "\n"
        }
        for (name, p) in processes.sorted(by: { $0.key < $1.key }) { text += p.line(name) + "\n" }
        for (name, scale) in scales.sorted(by: { $0.key < $1.key }) {
            text += Self.scaleLine(name, scale) + "\n"
        }
        lines = serviceEntries.count + processes.count + scales.count
        file.replace(with: text, sync: true, wait: wait, done: done)
    }

    /// A write failed: nothing of it is in the file. The next write is a
    /// snapshot; those who listen hear of the first failure of a series.
    private func writeFailed(_ failure: WriteFailure) {
        needsSnapshot = true
        guard problem == nil else { return }
        problem = failure
        onProblem?(failure)
    }

    /// Writing works again: what the failed writes held is written now.
    private func writeRecovered() {
        problem = nil
        onProblem?(nil)
        if needsSnapshot {
            pending = ""
            pendingSync = false
            pendingUrgent = false
            writes += 1
            compact(wait: false)
        }
    }

    /// Updates what is remembered; returns the line to write, or nil when
    /// nothing changed.
    private func record(_ change: StateChange) -> String? {
        switch change {
        case .running(let name, let pid):
            guard let start = Self.startTime(pid) else { return nil }
            let group = getpgid(pid)
            // A main process moved by MAINPID= keeps what was noted of its run.
            let process = Process(pid: pid, start: start, pgid: group > 0 ? group : pid, kept: processes[name]?.kept)
            processes[name] = process
            return process.line(name)
        case .kept(let name, let kept):
            guard processes[name] != nil, processes[name]?.kept != kept else { return nil }
            processes[name]?.kept = kept
            return JSONValue.object(["kept": .string(name), "run": kept.json]).text
        case .gone(let name):
            guard processes.removeValue(forKey: name) != nil else { return nil }
            return JSONValue.object(["gone": .string(name)]).text
        case .saved(let spec, let held):
            let entry = Entry(spec: spec, held: held)
            guard serviceEntries[spec.name] != entry else { return nil }
            save(entry)
            return JSONValue.object(["add": SpecJSON.encode(spec), "held": .bool(held)]).text
        case .held(let name, let held):
            guard let entry = serviceEntries[name], entry.held != held else { return nil }
            serviceEntries[name]?.held = held
            return JSONValue.object(["held": .string(name), "value": .bool(held)]).text
        case .forgotten(let name):
            guard serviceEntries[name] != nil else { return nil }
            forget(name)
            return JSONValue.object(["forget": .string(name)]).text
        case .scaled(let name, let count, let configured):
            let scale = count.map { Scale(count: $0, configured: configured) }
            guard scales[name] != scale else { return nil }
            scales[name] = scale
            return scale.map { Self.scaleLine(name, $0) } ?? JSONValue.object(["scale": .string(name), "count": .null]).text
        }
    }

    private static func scaleLine(_ name: String, _ scale: Scale) -> String {
        JSONValue.object(["scale": .string(name), "count": .init(scale.count), "configured": .init(scale.configured)]).text
    }

    /// Applies one line of the log; false when it is no record.
    private func replay(_ json: JSONValue) -> Bool {
        if let name = json["run"]?.stringValue, let pid = json["pid"]?.intValue, let start = json["start"]?.intValue {
            processes[name] = Process(
                pid: Int32(truncatingIfNeeded: pid), start: UInt64(max(0, start)),
                pgid: json["pgid"]?.intValue.map { Int32(truncatingIfNeeded: $0) }, kept: json["kept"].flatMap(KeptRun.init(json:)))
        } else if let name = json["kept"]?.stringValue, let kept = json["run"].flatMap(KeptRun.init(json:)) {
            processes[name]?.kept = kept
        } else if let name = json["gone"]?.stringValue {
            processes[name] = nil
        } else if let specJSON = json["add"], let spec = SpecJSON.decode(specJSON) {
            save(Entry(spec: spec, held: json["held"]?.boolValue ?? false))
        } else if let name = json["held"]?.stringValue {
            serviceEntries[name]?.held = json["value"]?.boolValue ?? false
        } else if let name = json["forget"]?.stringValue {
            forget(name)
        } else if let name = json["scale"]?.stringValue {
            if let count = json["count"]?.intValue, let configured = json["configured"]?.intValue {
                scales[name] = Scale(count: Int(count), configured: Int(configured))
            } else {
                scales[name] = nil
            }
        } else {
            return false
        }
        return true
    }

    func save(_ entry: Entry) {
        if serviceEntries.updateValue(entry, forKey: entry.spec.name) == nil { serviceOrder.append(entry.spec.name) }
    }

    private func forget(_ name: String) {
        guard serviceEntries.removeValue(forKey: name) != nil else { return }
        serviceOrder.removeAll { $0 == name }
    }

    /// Puts back what a refused commit changed (at its place in the order).
    private func restore(_ name: String, _ entry: Entry?, at index: Int?) {
        guard let entry else { return forget(name) }
        if serviceEntries.updateValue(entry, forKey: name) == nil {
            serviceOrder.insert(name, at: min(index ?? serviceOrder.count, serviceOrder.count))
        }
    }
}

extension StateChange {
    /// The service the change is about.
    var serviceName: String {
        switch self {
        case .running(let name, _), .kept(let name, _), .gone(let name), .held(let name, _), .forgotten(let name), .scaled(let name, _, _): name
        case .saved(let spec, _): spec.name
        }
    }
}
