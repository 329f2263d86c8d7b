import PPMMachine

/// The kernel files a set of limits is written to, by controller, for
/// cgroup v2 and v1 alike (a file missing from a hierarchy is skipped):
/// unset limits are written as no limit, so a limit a reload dropped goes.
enum LimitFiles {
    /// `(controller, [(file, value)])` for memory, pids, cpu and io.
    static func writes(_ limits: CgroupLimits, ioFile: String) -> [(String, [(String, String)])] {
        let period = CgroupLimits.cpuPeriodMicroseconds
        let quota = limits.cpuQuotaMicroseconds
        let v2Weight = limits.ioWeight ?? 100
        let weight = ioFile == "io.weight" ? "default \(v2Weight)" : String(blkioWeight(v2Weight))
        return [
            (
                "memory",
                [
                    ("memory.max", limits.memoryMax.map(String.init) ?? "max"),
                    ("memory.high", limits.memoryHigh.map(String.init) ?? "max"),
                    ("memory.limit_in_bytes", limits.memoryMax.map(String.init) ?? "-1"),
                    ("memory.soft_limit_in_bytes", limits.memoryHigh.map(String.init) ?? "-1"),
                ]
            ),
            ("pids", [("pids.max", limits.pidsMax.map(String.init) ?? "max")]),
            (
                "cpu",
                [
                    ("cpu.max", quota.map { "\($0) \(period)" } ?? "max \(period)"),
                    ("cpu.cfs_period_us", String(period)),
                    ("cpu.cfs_quota_us", quota.map(String.init) ?? "-1"),
                ]
            ),
            ("io", [(ioFile, weight)]),
        ]
    }

    /// v2's io weight (1…10000, default 100) as v1's blkio weight (10…1000,
    /// default 500), the way systemd maps `IOWeight=` on a v1 system.
    static func blkioWeight(_ weight: Int) -> Int {
        if weight <= 100 { return 10 + (weight - 1) * (500 - 10) / 99 }
        return 500 + (weight - 100) * (1000 - 500) / (10000 - 100)
    }
}
