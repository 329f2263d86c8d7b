import PPMMachine
import Testing

@testable import PPMRuntime

/// The v1 hierarchies of a hybrid system found from mountinfo, and the
/// kernel files SPEC 10's limits are written to.
@Suite struct LimitFilesTests {
    @Test func theDaemonsOwnCgroupInEachV1HierarchyIsFound() {
        let mounts = """
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            38 31 0:35 /outer /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            39 31 0:36 / /sys/fs/cgroup/blkio ro,relatime - cgroup cgroup rw,blkio
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """
        let own = LegacyHierarchies.ownDirectories(
            mountinfo: mounts, selfCgroup: "8:pids:/outer/box\n7:blkio:/\n4:memory:/process_api/c0\n2:cpu,cpuacct:/\n0::/\n")
        #expect(own["memory"] == "/sys/fs/cgroup/memory/process_api/c0")
        #expect(own["cpu"] == "/sys/fs/cgroup/cpu,cpuacct" && own["cpuacct"] == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(own["pids"] == "/sys/fs/cgroup/pids/box")  // the mount shows the hierarchy from /outer down
        #expect(own["blkio"] == nil)  // read-only
    }

    @Test func limitsBecomeV2AndV1Values() {
        var limits = CgroupLimits()
        limits.memoryMax = 64 << 20
        limits.cpuMax = 150
        limits.pidsMax = 20
        let writes = Dictionary(LimitFiles.writes(limits, ioFile: "io.weight").flatMap { $0.1 }) { a, _ in a }
        #expect(writes["memory.max"] == "67108864" && writes["memory.limit_in_bytes"] == "67108864")
        #expect(writes["memory.high"] == "max" && writes["memory.soft_limit_in_bytes"] == "-1")  // unset: no limit
        #expect(writes["cpu.max"] == "150000 100000" && writes["cpu.cfs_quota_us"] == "150000" && writes["cpu.cfs_period_us"] == "100000")
        #expect(writes["pids.max"] == "20" && writes["io.weight"] == "default 100")
        let unlimited = Dictionary(LimitFiles.writes(CgroupLimits(), ioFile: "blkio.weight").flatMap { $0.1 }) { a, _ in a }
        #expect(unlimited["cpu.max"] == "max 100000" && unlimited["cpu.cfs_quota_us"] == "-1" && unlimited["pids.max"] == "max")
        #expect(unlimited["blkio.weight"] == "500")
        // systemd's mapping of IOWeight= to BlockIOWeight=: 1 → 10, 100 → 500, 10000 → 1000.
        #expect(LimitFiles.blkioWeight(1) == 10 && LimitFiles.blkioWeight(100) == 500 && LimitFiles.blkioWeight(10000) == 1000)
    }

    @Test func sizesAndPercentagesAreWrittenAsAConfigWould() {
        #expect(CgroupLimits.sizeText(512 << 20) == "512M" && CgroupLimits.sizeText(1 << 30) == "1G" && CgroupLimits.sizeText(4097) == "4097")
        #expect(CgroupLimits.percentText(50) == "50%" && CgroupLimits.percentText(2.5) == "2.5%")
        var limits = CgroupLimits()
        limits.memoryMax = 64 << 20
        limits.pidsMax = 20
        #expect(limits.summary == "memory_max 64M, pids_max 20")
    }
}
