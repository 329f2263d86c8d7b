import Glibc
package import PPMMachine

/// CPU and memory of one process group without waiting (kept for callers on
/// the daemon's loop, such as `ppm.stats`). For `stats` over many services,
/// `StatsSampler.usage(groups:)` reads /proc once for all of them and measures
/// CPU over an interval.
package enum ProcessStats {
    /// `{cpu, rss, pids}` for the group, from one read of /proc: CPU percent
    /// averaged since each process started, resident memory in bytes, and
    /// the member pids (ascending); measured by the service's cgroup where
    /// it has one (every process in it, also those that left the group).
    package static func usage(_ group: StatsGroup) -> JSONValue {
        let table = ProcessTable.read()
        guard let dir = group.cgroup else {
            return usageSinceStart(groups: [group.pgid], table: table)[group.pgid, default: .none].json
        }
        let pids = Set(ServiceCgroups.pids(in: dir))
        // The cgroup's members, counted as members of the service's group.
        let members = table.entries.filter { pids.contains($0.pid) }.map { entry in
            var member = entry
            member.pgrp = group.pgid
            return member
        }
        return usageSinceStart(groups: [group.pgid], table: ProcessTable(entries: members))[group.pgid, default: .none].json
    }

    /// Each group's usage with CPU averaged since each process started.
    package static func usageSinceStart(groups: [Int32], table: ProcessTable) -> [Int32: GroupUsage] {
        var boot = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        let uptime = Double(boot.tv_sec) + Double(boot.tv_nsec) / 1e9
        let hz = ProcessTable.ticksPerSecond
        let members = table.members(of: Set(groups))
        var result: [Int32: GroupUsage] = [:]
        for group in groups {
            let processes = members[group] ?? []
            var cpu = 0.0
            for p in processes {
                let age = uptime - Double(p.start) / hz
                if age > 0 { cpu += Double(p.ticks) / hz / age * 100 }
            }
            result[group] = GroupUsage(
                cpu: (cpu * 10).rounded() / 10,
                rss: processes.reduce(0) { $0 + $1.rssPages } * ProcessTable.pageSize,
                pids: processes.map(\.pid))
        }
        return result
    }
}
