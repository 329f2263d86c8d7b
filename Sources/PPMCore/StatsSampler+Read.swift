import Dispatch
import Glibc
import Synchronization

extension StatsSampler {
    /// Reads the /proc entries of `pids`, and the usage (and `members`)
    /// of each of `cgroups`, in chunks spread over the machine's cores: a
    /// sample at 1000 services is some 3000 small reads, most of the time a
    /// `stats` takes.
    static func read(_ cgroups: [String], members: Bool, pids: [Int32]) -> Sample {
        let time = now()
        let pidChunks = chunks(pids.count, of: 128)
        let cgroupChunks = chunks(cgroups.count, of: 64)
        let parts = Mutex<[Int: Sample]>([:])
        DispatchQueue.concurrentPerform(iterations: pidChunks.count + cgroupChunks.count) { index in
            var part = Sample(time: time, table: ProcessTable(entries: []))
            if index < pidChunks.count {
                part.table = ProcessTable(entries: ProcessTable.entries(of: pids[pidChunks[index]]))
            } else {
                var parents = ParentDirectories()
                defer { parents.close() }
                for dir in cgroups[cgroupChunks[index - pidChunks.count]] {
                    let (base, leaf) = parents.open(dir)
                    part.cgroupCPU[dir] = KernelFile.value(leaf + "/cpu.stat", key: "usage_usec", under: base)
                    if members { part.cgroupPids[dir] = KernelFile.numbers(leaf + "/cgroup.procs", under: base) }
                }
            }
            parts.withLock { $0[index] = part }
        }
        return parts.withLock { parts in
            var sample = Sample(time: time, table: ProcessTable(entries: []))
            var entries: [ProcessEntry] = []
            for index in parts.keys.sorted() {
                let part = parts[index]!
                entries += part.table.entries
                sample.cgroupCPU.merge(part.cgroupCPU) { a, _ in a }
                sample.cgroupPids.merge(part.cgroupPids) { a, _ in a }
            }
            sample.table = ProcessTable(entries: entries)
            return sample
        }
    }

    /// `count` items split into ranges of at most `size`.
    private static func chunks(_ count: Int, of size: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }
}

/// The parent directories of the cgroups a sample reads, each opened once:
/// a service's files are then opened from there, two path components
/// instead of the whole cgroupfs path.
private struct ParentDirectories {
    private var open: [Substring: Int32] = [:]

    /// The descriptor to open `dir`'s files under, and `dir`'s path from
    /// it (the whole path where the parent cannot be opened).
    mutating func open(_ dir: String) -> (base: Int32, leaf: String) {
        guard let slash = dir.lastIndex(of: "/"), slash != dir.startIndex else { return (AT_FDCWD, dir) }
        let parent = dir[..<slash]
        let leaf = String(dir[dir.index(after: slash)...])
        if let fd = open[parent] { return fd < 0 ? (AT_FDCWD, dir) : (fd, leaf) }
        let fd = Glibc.open(String(parent), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        open[parent] = fd
        return fd < 0 ? (AT_FDCWD, dir) : (fd, leaf)
    }

    /// Closes the directories.
    func close() {
        for fd in open.values where fd >= 0 { Glibc.close(fd) }
    }
}
