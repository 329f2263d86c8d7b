import Dispatch
import Glibc
import PPMCore

/// Tells when files change, through one inotify descriptor read on the
/// loop queue: no polling, no wake-up while nothing changes.
///
/// Folders are watched rather than files, so that a save by rename (a new
/// file moved over the old name) or by delete-and-create is seen like a
/// write in place. Confined to `queue` (hence `@unchecked Sendable`).
/// Changes are debounced: `changed` runs once the watched
/// files have been quiet for `debounce` seconds, with the paths touched.
final class FileWatcher: @unchecked Sendable {
    private let fd: Int32
    private let source: DispatchSourceRead
    private let scheduler: Scheduler
    private let debounce: Double
    private let changed: (Set<String>) -> Void
    /// Watch descriptor → folder, and the names wanted in each folder.
    private var folders: [Int32: String] = [:]
    /// Per folder, the names wanted (nil: any name).
    private var wanted: [String: Set<String>?] = [:]
    private var touched: Set<String> = []
    /// The quiet period running: each change starts it again.
    private var quiet: TimerToken?

    /// Opens the inotify descriptor, read on `queue`; `scheduler` (on the
    /// same queue) times the quiet period. Throws if the kernel refuses one.
    init(queue: DispatchQueue, scheduler: Scheduler, debounce: Double, changed: @escaping (Set<String>) -> Void) throws {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else {
            let code = errno
            // EMFILE here is the open-files limit or the user's inotify instances.
            let which = code == EMFILE ? " (the open-files limit, or fs.inotify.max_user_instances)" : ""
            throw POSIXFailure("inotify_init1: \(String(cString: strerror(code)))\(which)")
        }
        self.scheduler = scheduler
        self.debounce = debounce
        self.changed = changed
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self, queue] in LoopTurns.run(on: queue) { self?.readEvents() } }
        // Closed only once Dispatch no longer watches it (closing earlier
        // lets its manager thread trip over a dead or reused descriptor).
        source.setCancelHandler { [fd] in close(fd) }
        source.resume()
    }

    deinit {
        quiet?.cancel()
        source.cancel()
    }

    /// Watches exactly these files (absolute or relative to the daemon's
    /// folder); replaces what was watched before.
    func watch(_ paths: Set<String>) { watch(files: paths, folders: []) }

    /// Watches these files and every entry of these folders (not below).
    func watch(files: Set<String>, folders wholeFolders: Set<String>) {
        var next: [String: Set<String>?] = [:]
        for path in files {
            let slash = path.lastIndex(of: "/")
            let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
            let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
            if case .some(.none) = next[folder] { continue }
            next[folder] = .some((next[folder] ?? []).map { $0.union([name]) } ?? [name])
        }
        for folder in wholeFolders { next[folder] = .some(nil) }
        for (wd, folder) in folders where next[folder] == nil {
            inotify_rm_watch(fd, wd)
            folders[wd] = nil
        }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE)
        for folder in next.keys where !folders.values.contains(folder) {
            let wd = inotify_add_watch(fd, folder, mask)
            if wd >= 0 { folders[wd] = folder }
        }
        wanted = next
    }

    private func readEvents() {
        let size = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, size)
            guard n > 0 else { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let length = Int(event.len)
                let namePointer = (buffer + offset + MemoryLayout<inotify_event>.size).assumingMemoryBound(to: CChar.self)
                let name = length > 0 ? String(cString: namePointer) : ""
                if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {  // events were lost: take every folder as touched
                    for folder in wanted.keys { touched.insert(folder == "/" ? "/" : folder + "/") }
                } else if let folder = folders[event.wd], let names = wanted[folder], names?.contains(name) ?? true {
                    touched.insert(folder == "/" ? "/" + name : folder + "/" + name)
                }
                offset += MemoryLayout<inotify_event>.size + length
            }
        }
        guard !touched.isEmpty else { return }
        quiet?.cancel()
        quiet = scheduler.schedule(after: debounce) { [weak self] in
            guard let self else { return }
            let paths = self.touched
            self.touched = []
            self.quiet = nil
            self.changed(paths)
        }
    }
}
