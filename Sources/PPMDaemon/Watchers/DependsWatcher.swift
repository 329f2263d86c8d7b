import Dispatch
import PPMCore

/// Restarts a service when what its `depends` patterns match changes: the
/// content of a matched file (a write leaving it equal does not count), or
/// a match appearing or disappearing. inotify on the patterns' folders
/// (all folders below for `**`), debounced 1 s; nothing runs while quiet.
///
/// The walk and the hashing run on a queue of their own, never on the loop:
/// the files are anyone's who can write in those folders (a huge file, a
/// tree of symlinks); the result comes back to the loop queue.
final class DependsWatcher: @unchecked Sendable {
    private struct Watched {
        var patterns: [String]
        var globs: [FileGlob]
        var folders: Set<String> = []
        var digests: [String: UInt64] = [:]
        /// Bumped by each scan asked; a result of an older one is dropped.
        var generation = 0
        /// Whether a first scan has come back (until then there is nothing to compare).
        var scanned = false
    }

    private struct Scan: Sendable {
        var folders: Set<String>
        var digests: [String: UInt64]
    }

    private let queue: DispatchQueue
    private let background = DispatchQueue(label: "ppm-lua.depends", qos: .utility)
    private var watcher: FileWatcher!
    private var services: [String: Watched] = [:]
    private let restart: (String) -> Void

    /// `restart` is called on `queue` with the name of a service whose
    /// files changed; `scheduler` (on `queue`) times the debounce.
    init(queue: DispatchQueue, scheduler: Scheduler, restart: @escaping (String) -> Void) throws {
        self.queue = queue
        self.restart = restart
        watcher = try FileWatcher(queue: queue, scheduler: scheduler, debounce: 1) { [unowned self] touched in self.changed(touched) }
    }

    /// Follows the `depends` of these services from now on (a service whose
    /// patterns are unchanged keeps its digests).
    func update(_ specs: [ServiceSpec]) {
        var next: [String: Watched] = [:]
        var fresh: [String] = []
        for spec in specs where !spec.depends.isEmpty {
            if let old = services[spec.name], old.patterns == spec.depends {
                next[spec.name] = old
            } else {
                next[spec.name] = Watched(patterns: spec.depends, globs: spec.depends.map(FileGlob.init))
                fresh.append(spec.name)
            }
        }
        services = next
        rewatch()
        fresh.forEach(rescan)
    }

    /// Scans the service's patterns off the loop; back on it, restarts the
    /// service if what they match changed since the last scan.
    private func rescan(_ name: String) {
        guard var entry = services[name] else { return }
        entry.generation += 1
        services[name] = entry
        let (globs, generation) = (entry.globs, entry.generation)
        background.async { [self] in
            let scan = Self.scan(globs)
            queue.turnAsync { [self] in finished(name, generation, scan) }
        }
    }

    private func finished(_ name: String, _ generation: Int, _ scan: Scan) {
        // A newer scan is on its way: this one serves only as the first baseline.
        guard var entry = services[name], entry.generation == generation || !entry.scanned else { return }
        let changed = entry.scanned && entry.digests != scan.digests
        entry.digests = scan.digests
        entry.folders = scan.folders
        entry.scanned = true
        services[name] = entry
        rewatch()
        if changed { restart(name) }
    }

    private static func scan(_ globs: [FileGlob]) -> Scan {
        var digests: [String: UInt64] = [:]
        for glob in globs {
            for path in glob.matches() { digests[path] = FileGlob.digest(path) ?? 0 }
        }
        return Scan(folders: Set(globs.flatMap { $0.folders() }), digests: digests)
    }

    private func rewatch() {
        watcher.watch(files: [], folders: services.values.reduce(into: Set<String>()) { $0.formUnion($1.folders) })
    }

    private func changed(_ touched: Set<String>) {
        let folders = Set(touched.map { path in path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "." })
        for name in services.keys.sorted() where !(services[name]?.folders.isDisjoint(with: folders) ?? true) {
            rescan(name)
        }
    }
}
