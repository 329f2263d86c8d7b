import Glibc

extension StatsSampler {
    /// Reads the /proc entries of `pids` (nil: of the processes in
    /// `cgroups`, whose members are then read first), and the usage (and
    /// `members`) of each of `cgroups`: at 1000 services some 3000 small
    /// reads, one `read(2)` each into one buffer, on this thread alone, so
    /// the daemon's loop keeps a core to answer on.
    static func read(_ cgroups: [String], members: Bool, pids: [Int32]?) -> Sample {
        let reader = KernelFileReader()
        var parents = ParentDirectories()
        defer { parents.close() }
        let dirs = cgroups.map { parents.open($0) }
        var cgroupPids: [String: [Int32]] = [:]
        if members {
            cgroupPids.reserveCapacity(cgroups.count)
            for (dir, (base, leaf)) in zip(cgroups, dirs) {
                cgroupPids[dir] = reader.file(leaf, "cgroup.procs", under: base).map { KernelFile.numbers(in: $0) } ?? []
            }
        }
        // Every service in a cgroup: its members are all the processes
        // wanted, not every process /proc lists.
        let wanted = pids ?? Array(cgroupPids.values.joined())
        var sample = Sample(time: now(), table: ProcessTable(entries: ProcessTable.entries(of: wanted[...], reader: reader)))
        // The usages in one run of their own, timed apart: the same shape in
        // every sample, so each cgroup's interval is the samples' interval.
        sample.cgroupTime = now()
        sample.cgroupCPU.reserveCapacity(cgroups.count)
        for (dir, (base, leaf)) in zip(cgroups, dirs) {
            sample.cgroupCPU[dir] = reader.file(leaf, "cpu.stat", under: base).flatMap { KernelFile.value(of: "usage_usec", in: $0) }
        }
        sample.cgroupPids = cgroupPids
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
