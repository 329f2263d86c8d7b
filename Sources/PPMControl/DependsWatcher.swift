import Dispatch
import PPMCore

/// Restarts a service when what its `depends` patterns match changes: the
/// content of a matched file (a write leaving it equal does not count), or
/// a match appearing or disappearing. inotify on the patterns' folders
/// (all folders below for `**`), debounced 1 s; nothing runs while quiet.
final class DependsWatcher {
    private struct Watched {
        var patterns: [String]
        var globs: [FileGlob]
        var folders: Set<String> = []
        var digests: [String: UInt64] = [:]
    }

    private var watcher: FileWatcher!
    private var services: [String: Watched] = [:]
    private let restart: (String) -> Void

    /// `restart` is called on `queue` with the name of a service whose files changed.
    init(queue: DispatchQueue, restart: @escaping (String) -> Void) throws {
        self.restart = restart
        watcher = try FileWatcher(queue: queue, debounce: 1) { [unowned self] touched in self.changed(touched) }
    }

    /// Follows the `depends` of these services from now on (a service whose
    /// patterns are unchanged keeps its digests).
    func update(_ specs: [ServiceSpec]) {
        var next: [String: Watched] = [:]
        for spec in specs where !spec.depends.isEmpty {
            if let old = services[spec.name], old.patterns == spec.depends {
                next[spec.name] = old
            } else {
                var entry = Watched(patterns: spec.depends, globs: spec.depends.map(FileGlob.init))
                rescan(&entry)
                next[spec.name] = entry
            }
        }
        services = next
        rewatch()
    }

    private func rescan(_ entry: inout Watched) {
        var digests: [String: UInt64] = [:]
        for glob in entry.globs {
            for path in glob.matches() { digests[path] = FileGlob.digest(path) ?? 0 }
        }
        entry.digests = digests
        entry.folders = Set(entry.globs.flatMap { $0.folders() })
    }

    private func rewatch() {
        watcher.watch(files: [], folders: services.values.reduce(into: Set<String>()) { $0.formUnion($1.folders) })
    }

    private func changed(_ touched: Set<String>) {
        let folders = Set(touched.map { path in path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "." })
        for name in services.keys.sorted() {
            guard var entry = services[name], !entry.folders.isDisjoint(with: folders) else { continue }
            let before = entry.digests
            rescan(&entry)
            services[name] = entry
            if entry.digests != before { restart(name) }
        }
        rewatch()
    }
}
