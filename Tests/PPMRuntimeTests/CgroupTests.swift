import CSystem
import Foundation
import Glibc
import PPMMachine
import Testing

@testable import PPMRuntime

/// Where the daemon's cgroup is, how services' cgroups are named, and the
/// spawner putting a child into one.
@Suite struct CgroupLocationTests {
    let hybridMounts = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """

    @Test func hybridAndPureV2HierarchiesAreFoundFromMountinfo() {
        #expect(
            CgroupHierarchy.ownDirectory(mountinfo: hybridMounts, selfCgroup: "4:memory:/x\n0::/\n")
                == .success("/sys/fs/cgroup/unified"))
        let pure = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
        #expect(
            CgroupHierarchy.ownDirectory(mountinfo: pure, selfCgroup: "0::/system.slice/ppm.service\n")
                == .success("/sys/fs/cgroup/system.slice/ppm.service"))
    }

    @Test func aMountOfPartOfTheHierarchyAndEscapedMountPointsAreFollowed() {
        let partial = "40 30 0:26 /user.slice /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n"
        #expect(CgroupHierarchy.ownDirectory(mountinfo: partial, selfCgroup: "0::/user.slice/a\n") == .success("/mnt/my cg/a"))
        #expect(CgroupHierarchy.ownDirectory(mountinfo: partial, selfCgroup: "0::/user.slice\n") == .success("/mnt/my cg"))
        guard case .failure(let outside) = CgroupHierarchy.ownDirectory(mountinfo: partial, selfCgroup: "0::/system.slice\n") else {
            Issue.record("a cgroup outside the mount was accepted")
            return
        }
        #expect(outside.reason.contains("no writable cgroup2 mount"))
    }

    @Test func withoutAUnifiedHierarchyTheReasonIsSaid() {
        let v1 = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        #expect(
            CgroupHierarchy.ownDirectory(mountinfo: v1, selfCgroup: "4:memory:/\n")
                == .failure(CgroupUnavailable("this process is in no cgroup v2 hierarchy (cgroup v1 only)")))
        #expect(CgroupHierarchy.ownDirectory(mountinfo: v1, selfCgroup: "0::/\n") == .failure(CgroupUnavailable("no cgroup2 file system is mounted")))
        let readOnly = "41 31 0:38 / /sys/fs/cgroup ro,relatime - cgroup2 cgroup2 ro\n"
        #expect(
            CgroupHierarchy.ownDirectory(mountinfo: readOnly, selfCgroup: "0::/\n")
                == .failure(CgroupUnavailable("no writable cgroup2 mount shows this process's cgroup")))
    }

    @Test func serviceNamesBecomeSafeDirectoryNames() {
        #expect(ServiceCgroups.directoryName(for: "web") == "web.service")
        #expect(ServiceCgroups.directoryName(for: "cgroup.procs") == "cgroup.procs.service")
        #expect(ServiceCgroups.directoryName(for: "..") == "...service")
        #expect(ServiceCgroups.directoryName(for: "a:b%ü") == "a%3Ab%25%C3%BC.service")
        let long = ServiceCgroups.directoryName(for: String(repeating: "x", count: 300))
        #expect(long.utf8.count < 255 && long.hasSuffix(".service"))
        #expect(long != ServiceCgroups.directoryName(for: String(repeating: "x", count: 301)))
        // Homes get subtrees of their own.
        #expect(ServiceCgroups.hash("/home/a/.local/state/ppm-lua") != ServiceCgroups.hash("/home/b/.local/state/ppm-lua"))
        #expect(ServiceCgroups.hash("x").count == 16)
    }

    @Test func aChildThatCannotJoinItsCgroupFailsToSpawnNamingTheCgroup() throws {
        // A directory that is no cgroup: the kernel refuses to start a child
        // there (or, without CLONE_INTO_CGROUP, it has no cgroup.procs to join).
        let fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let outcome = LinuxSpawner().launch(
            ServiceSpec(name: "web", cmd: ["/bin/true"]), stdinFD: -1,
            cgroup: CgroupTarget(directory: fd, path: "/sys/fs/cgroup/x/web.service"))
        guard case .failed(let failure, _, let step, let pid) = outcome else {
            Issue.record("spawned anyway: \(outcome)")
            return
        }
        #expect(failure.message.hasPrefix("/sys/fs/cgroup/x/web.service: "))
        #expect(step == Int32(PPM_STEP_CGROUP))
        #expect(pid == 0 || kill(pid, 0) != 0)  // none made, or reaped already
    }

    @Test func statsTakeTheCPUOfACgroupFromItsUsage() {
        let before = StatsSampler.Sample(
            time: 10,
            table: ProcessTable(entries: [
                ProcessEntry(pid: 10, pgrp: 10, ticks: 0, start: 5, rssPages: 1)
            ]), cgroupCPU: ["/cg/web.service": 1_000_000])
        let after = StatsSampler.Sample(
            time: 12,
            table: ProcessTable(entries: [
                ProcessEntry(pid: 10, pgrp: 10, ticks: 0, start: 5, rssPages: 2),
                ProcessEntry(pid: 40, pgrp: 40, ticks: 0, start: 6, rssPages: 3),  // left the group, still in the cgroup
                ProcessEntry(pid: 50, pgrp: 10, ticks: 0, start: 6, rssPages: 7),  // in the group, moved out of the cgroup
            ]), cgroupCPU: ["/cg/web.service": 2_000_000], cgroupPids: ["/cg/web.service": [40, 10]])
        let usage = StatsSampler.usage([StatsGroup(pgid: 10, cgroup: "/cg/web.service")], before: before, after: after)
        // 1 s of CPU over 2 s (processes that ended meanwhile included), the cgroup's members.
        #expect(usage[10] == GroupUsage(cpu: 50, rss: 5 * ProcessTable.pageSize, pids: [10, 40]))
        // Usages read at their own times: CPU over the time between those reads.
        var early = before
        var late = after
        early.cgroupTime = 10.5
        late.cgroupTime = 11.5
        #expect(StatsSampler.usage([StatsGroup(pgid: 10, cgroup: "/cg/web.service")], before: early, after: late)[10]?.cpu == 100)
    }
}

/// Whether this process may make cgroups (root on a writable unified
/// hierarchy, or a delegated subtree), and why not.
let cgroupsHere: Result<String, CgroupUnavailable> = CgroupHierarchy.ownDirectory().flatMap { own in
    access(own + "/cgroup.procs", W_OK) == 0 ? .success(own) : .failure(CgroupUnavailable("\(own) is not writable"))
}

/// Services' cgroups for real: skipped where no writable cgroup2 hierarchy exists.
@Suite(.serialized, .enabled(if: (try? cgroupsHere.get()) != nil, "no writable cgroup2 hierarchy here: services use process groups"))
struct ServiceCgroupTests {
    /// A subtree of our own, removed at the end.
    func withCgroups(_ body: (LinuxSpawner, ServiceCgroups) throws -> Void) throws {
        let cgroups = try ServiceCgroups.make(home: "/test-home/\(getpid())/\(UUID().uuidString)").get()
        defer {
            cgroups.removeAll()
            #expect(access(cgroups.root, F_OK) != 0)
        }
        let spawner = LinuxSpawner()
        spawner.cgroups = cgroups
        try body(spawner, cgroups)
    }

    @Test func aChildAndWhatItStartsAreInTheServicesCgroupAndStopReachesThemAll() throws {
        try withCgroups { spawner, cgroups in
            let spec = ServiceSpec(name: "web", cmd: ["/bin/sh", "-c", "setsid /bin/sleep 31 & exec /bin/sleep 32"])
            let pid = try spawner.spawn(spec, output: ChildOutput()).get()
            defer { _ = waitFor(pid) }
            let subtree = String(cgroups.root.split(separator: "/").last ?? "")
            #expect(cgroupLine(pid)?.hasSuffix("/\(subtree)/web.service") == true)
            // Once `setsid` ran, the second process has left the session: the group does not reach it.
            #expect(poll { cgroups.pids("web").contains { getsid($0) != pid } })
            #expect(spawner.serviceAlive("web", pgid: pid))
            spawner.signalService("web", pgid: pid, SIGKILL)
            #expect(waitFor(pid) == SIGKILL)
            #expect(poll { !spawner.serviceAlive("web", pgid: pid) })
        }
    }

    @Test func leftoversOfAnExitAreEndedWithoutTouchingTheNextRun() throws {
        try withCgroups { spawner, cgroups in
            let first = ServiceSpec(name: "job", cmd: ["/bin/sh", "-c", "setsid /bin/sh -c \"trap '' TERM; exec /bin/sleep 33\" & exit 3"])
            let leader = try spawner.spawn(first, output: ChildOutput()).get()
            #expect(waitFor(leader) == 3 << 8)
            // Wait until the leftover ignores SIGTERM (SigIgn bit 15).
            #expect(poll { cgroups.pids("job").count == 1 && ignoresTerm(cgroups.pids("job")[0]) })
            let leftover = cgroups.pids("job")[0]
            let killRest = try #require(spawner.endLeftovers("job", pgid: leader, signal: SIGTERM))
            let next = try spawner.spawn(ServiceSpec(name: "job", cmd: ["/bin/sleep", "34"]), output: ChildOutput()).get()
            defer {
                kill(next, SIGKILL)
                _ = waitFor(next)
            }
            #expect(Set(cgroups.pids("job")) == [leftover, next])  // TERM ignored; both in the cgroup
            killRest()
            #expect(poll { cgroups.pids("job") == [next] })
            #expect(spawner.endLeftovers("job", pgid: leader, signal: SIGTERM) != nil)  // `next` is there: not "nothing left"
        }
    }

    @Test func aServiceStartsAgainInACgroupThatWasKilled() throws {
        try withCgroups { spawner, cgroups in
            let spec = ServiceSpec(name: "again", cmd: ["/bin/sleep", "35"])
            let first = try spawner.spawn(spec, output: ChildOutput()).get()
            spawner.signalService("again", pgid: first, SIGKILL)
            #expect(waitFor(first) == SIGKILL)
            // The next run lives (a `cgroup.kill` would have doomed every later child).
            let next = try spawner.spawn(spec, output: ChildOutput()).get()
            defer {
                kill(next, SIGKILL)
                _ = waitFor(next)
            }
            usleep(100_000)
            #expect(kill(next, 0) == 0 && cgroups.pids("again") == [next])
        }
    }

    @Test func aCgroupKilledBeforeThisDaemonIsMadeAnewAtItsFirstStart() throws {
        try withCgroups { spawner, cgroups in
            let dir = cgroups.directory(for: "old")
            #expect(mkdir(dir, 0o755) == 0)
            #expect(KernelFile.write(dir + "/cgroup.kill", "1") == 0)  // as another program might
            let pid = try spawner.spawn(ServiceSpec(name: "old", cmd: ["/bin/sleep", "36"]), output: ChildOutput()).get()
            defer {
                kill(pid, SIGKILL)
                _ = waitFor(pid)
            }
            usleep(100_000)
            #expect(kill(pid, 0) == 0 && cgroups.pids("old") == [pid])
        }
    }

    @Test func aRemovedServicesCgroupGoes() throws {
        try withCgroups { spawner, cgroups in
            let pid = try spawner.spawn(ServiceSpec(name: "once", cmd: ["/bin/true"]), output: ChildOutput()).get()
            #expect(waitFor(pid) == 0)
            #expect(access(cgroups.directory(for: "once"), F_OK) == 0)
            spawner.forget("once")
            #expect(access(cgroups.directory(for: "once"), F_OK) != 0)
        }
    }
}

/// Whether the process ignores SIGTERM (bit 15 of SigIgn in /proc/PID/status).
private func ignoresTerm(_ pid: Int32) -> Bool {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
        let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16)
    else { return false }
    return mask & (1 << 14) != 0
}

/// The `0::` line of /proc/PID/cgroup.
private func cgroupLine(_ pid: Int32) -> String? {
    (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("0::") }.map(String.init)
}

/// Reaps `pid` (a child of this process) and returns its raw wait status; SIGKILL after 10 s.
private func waitFor(_ pid: Int32) -> Int32? {
    let deadline = Date().addingTimeInterval(10)
    var status: Int32 = 0
    while waitpid(pid, &status, WNOHANG) == 0 {
        if Date() > deadline { kill(pid, SIGKILL) }
        usleep(2000)
    }
    return status
}

/// Waits up to 10 s for `condition`.
private func poll(_ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(10)
    while !condition() {
        if Date() > deadline { return false }
        usleep(5000)
    }
    return true
}
