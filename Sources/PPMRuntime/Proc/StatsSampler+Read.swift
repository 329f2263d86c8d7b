import Glibc

extension StatsSampler {
    /// Reads the /proc entries of `pids`, and the usage (and `members`) of
    /// each of `cgroups`: at 1000 services some 3000 small reads, on this
    /// thread alone, so the daemon's loop keeps a core to answer on.
    static func read(_ cgroups: [String], members: Bool, pids: [Int32]) -> Sample {
        var sample = Sample(time: now(), table: ProcessTable(entries: ProcessTable.entries(of: pids[...])))
        var parents = ParentDirectories()
        defer { parents.close() }
        let dirs = cgroups.map { parents.open($0) }
        // The usages in one run of their own, timed apart: the same shape in
        // every sample, so each cgroup's interval is the samples' interval.
        sample.cgroupTime = now()
        for (dir, (base, leaf)) in zip(cgroups, dirs) {
            sample.cgroupCPU[dir] = ServiceCgroups.cpuMicroseconds(in: leaf, under: base)
        }
        if members {
            for (dir, (base, leaf)) in zip(cgroups, dirs) { sample.cgroupPids[dir] = ServiceCgroups.pids(in: leaf, under: base) }
        }
        return sample
    }
}

/// The parent directories of the cgroups a sample reads, each opened once:
/// a service's files are then opened from there, two path components
/// instead of the whole cgroupfs path (a third of the time of each read).
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
