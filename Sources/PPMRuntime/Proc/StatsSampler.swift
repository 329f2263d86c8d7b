import Glibc
import Synchronization
import SystemCalls

/// Measures services from two reads of /proc (and of their cgroups): CPU %
/// is the time used between the previous sample and now over the time
/// between them, not an average since the process started.
///
/// With a previous sample no older than `maximumAge`, that sample is the
/// start and a full one is read now (waiting first if it is younger than
/// `minimumInterval`). Without one, a full sample is read, and once
/// `minimumInterval` has passed only the counters of what it found (its
/// members' /proc entries, its cgroups' usage) are read again: the wait
/// hides the first read. So a call may block for up to `minimumInterval`
/// (100 ms): call it off the daemon's loop. Safe from any thread;
/// concurrent calls take turns.
package final class StatsSampler: Sendable {
    /// The sampler the daemon shares between requests.
    package static let shared = StatsSampler()

    /// /proc, and the cgroups asked for, at one moment.
    struct Sample {
        var time: Double
        var table: ProcessTable
        /// When the cgroups' usage was read (nil: at `time`).
        var cgroupTime: Double?
        /// `cpu.stat` usage (µs) and members of each cgroup directory read.
        var cgroupCPU: [String: UInt64] = [:]
        var cgroupPids: [String: [Int32]] = [:]
    }

    private let minimumInterval: Double
    private let maximumAge: Double
    private let previous = Mutex<Sample?>(nil)

    /// A sampler measuring over at least `minimumInterval` seconds, reusing
    /// a previous sample up to `maximumAge` seconds old.
    package init(minimumInterval: Double = 0.1, maximumAge: Double = 60) {
        self.minimumInterval = minimumInterval
        self.maximumAge = maximumAge
    }

    /// The usage of each of `groups` (process group ids), from one pass over
    /// /proc (two when there is no recent sample, the second over the
    /// processes the first found). Every group asked for is
    /// in the answer; a group without processes is `GroupUsage.none`.
    package func usage(groups: [Int32]) -> [Int32: GroupUsage] { usage(of: groups.map { StatsGroup(pgid: $0) }) }

    /// The same for services measured by process group or cgroup, keyed by pgid.
    package func usage(of groups: [StatsGroup]) -> [Int32: GroupUsage] {
        let cgroups = groups.compactMap(\.cgroup)
        // Services all in cgroups: their members are in their cgroups, and
        // /proc is read for them alone (not for every process of the machine).
        let allPids: () -> [Int32]? = { !groups.isEmpty && cgroups.count == groups.count ? nil : ProcessTable.pids() }
        return previous.withLock { previous in
            let before: Sample
            let after: Sample
            if let last = previous, Self.now() - last.time <= maximumAge {
                before = last
                waitOut(before)
                after = Self.read(cgroups, members: true, pids: allPids())
            } else {
                before = Self.read(cgroups, members: true, pids: allPids())
                waitOut(before)
                // The next call starts from these counters: a process that
                // started during the interval counts from its first sample.
                after = Self.counters(of: before, groups)
            }
            previous = after
            return Self.usage(groups, before: before, after: after)
        }
    }

    /// Sleeps until `minimumInterval` has passed since `sample` was taken.
    private func waitOut(_ sample: Sample) {
        let wait = sample.time + minimumInterval - Self.now()
        if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
    }

    /// CPU % from the ticks each process used between two tables (process groups only).
    static func usage(groups: [Int32], before: ProcessTable, after: ProcessTable, seconds: Double) -> [Int32: GroupUsage] {
        usage(groups.map { StatsGroup(pgid: $0) }, before: Sample(time: 0, table: before), after: Sample(time: seconds, table: after))
    }

    /// Each group's members in `after` (its cgroup's processes, or its
    /// process group's); CPU from the cgroup's usage when both samples have
    /// it, else from the ticks of the processes present in both tables.
    static func usage(_ groups: [StatsGroup], before: Sample, after: Sample) -> [Int32: GroupUsage] {
        let seconds = after.time - before.time
        let cgroupSeconds = (after.cgroupTime ?? after.time) - (before.cgroupTime ?? before.time)
        var members = after.table.members(of: Set(groups.filter { $0.cgroup == nil }.map(\.pgid)))
        if !after.cgroupPids.isEmpty {
            var entries: [Int32: ProcessEntry] = [:]
            for entry in after.table.entries { entries[entry.pid] = entry }
            for group in groups {
                guard let dir = group.cgroup else { continue }
                members[group.pgid] = (after.cgroupPids[dir] ?? []).compactMap { entries[$0] }.sorted { $0.pid < $1.pid }
            }
        }
        let wanted = Set(members.values.joined().map(\.pid))
        var earlier: [Int32: ProcessEntry] = [:]
        for entry in before.table.entries where wanted.contains(entry.pid) { earlier[entry.pid] = entry }
        var result: [Int32: GroupUsage] = [:]
        for group in groups {
            guard let processes = members[group.pgid], !processes.isEmpty else {
                result[group.pgid] = GroupUsage.none
                continue
            }
            var percent: Double
            if let dir = group.cgroup, let used = after.cgroupCPU[dir], let was = before.cgroupCPU[dir], used >= was {
                percent = cgroupSeconds > 0 ? Double(used - was) / 1e6 / cgroupSeconds * 100 : 0
            } else {
                var ticks: UInt64 = 0
                for p in processes {
                    if let e = earlier[p.pid], e.start == p.start, p.ticks >= e.ticks { ticks += p.ticks - e.ticks }
                }
                percent = seconds > 0 ? Double(ticks) / ProcessTable.ticksPerSecond / seconds * 100 : 0
            }
            result[group.pgid] = GroupUsage(
                cpu: (percent * 10).rounded() / 10,
                rss: processes.reduce(0) { $0 + $1.rssPages } * ProcessTable.pageSize,
                pids: processes.map(\.pid))
        }
        return result
    }

    /// `sample`'s members read again: the /proc entries of its groups'
    /// processes (those still running, not a later process with a reused
    /// pid) and its cgroups' usage; the cgroups' members as they were.
    static func counters(of sample: Sample, _ groups: [StatsGroup]) -> Sample {
        let processGroups = Set(groups.filter { $0.cgroup == nil }.map(\.pgid))
        let inCgroups = Set(sample.cgroupPids.values.joined())
        let wanted = sample.table.entries.filter { processGroups.contains($0.pgrp) || inCgroups.contains($0.pid) }
        var fresh = read(groups.compactMap(\.cgroup), members: false, pids: wanted.map(\.pid))
        var started: [Int32: UInt64] = [:]
        for entry in wanted { started[entry.pid] = entry.start }
        fresh.table = ProcessTable(entries: fresh.table.entries.filter { started[$0.pid] == $0.start })
        fresh.cgroupPids = sample.cgroupPids
        return fresh
    }

    /// Seconds on the monotonic clock.
    static func now() -> Double { SystemClock.monotonic() }
}
