import Foundation
import PPMMachine
import Testing

@testable import PPMRuntime

/// A command started in its own process group; `stop()` kills the whole
/// group and reaps it (call it from `defer`, so failures clean up too).
final class SpawnedGroup {
    let pid: pid_t

    init(_ argv: [String]) throws {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], nil, &attr, args, environ)
        guard rc == 0 else { throw POSIXFailure("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    func stop() {
        guard pid > 0 else { return }  // kill(-0) would signal our own group
        kill(-pid, SIGKILL)
        while waitpid(-pid, nil, 0) > 0 {}
    }
}

/// Resident memory from /proc/PID/status, read the ordinary way.
func vmRSS(_ pid: pid_t) -> Int64? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kb = Int64(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    else { return nil }
    return kb * 1024
}

/// Waits up to 5 s for `condition`.
func within5s(_ condition: () -> Bool) -> Bool {
    for _ in 0..<250 {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

@Suite(.serialized) struct ProcessTableTests {
    @Test func aGroupCountsEveryMemberAndItsMemory() throws {
        let group = try SpawnedGroup(["/bin/sh", "-c", "sleep 30 & sleep 30 & wait"])
        defer { group.stop() }
        // Three members, the two children past their exec (a child still a copy
        // of sh has another RSS than the sleep it becomes).
        func comm(_ pid: Int32) -> String? { try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) }
        #expect(
            within5s {
                let members = ProcessTable.read().members(of: [group.pid])[group.pid] ?? []
                return members.count == 3 && members.filter { comm($0.pid) == "sleep\n" }.count == 2
            })
        let members = try #require(ProcessTable.read().members(of: [group.pid])[group.pid])
        #expect(members.map(\.pid).contains(group.pid))
        #expect(members.allSatisfy { $0.pgrp == group.pid && $0.start > 0 })

        let usage = try #require(StatsSampler(minimumInterval: 0.05).usage(groups: [group.pid, 999_999_999])[group.pid])
        #expect(usage.pids == members.map(\.pid))
        let expected = usage.pids.compactMap(vmRSS).reduce(0, +)
        #expect(usage.rss > 0)
        #expect(abs(usage.rss - expected) <= expected / 10 + 65536, "rss \(usage.rss) vs VmRSS sum \(expected)")
        #expect(usage.cpu < 5)

        let old = try JSONValue.parse(ProcessStats.usage(StatsGroup(pgid: group.pid)).text)
        #expect(old["pids"] == .array(members.map { .int(Int64($0.pid)) }))
        #expect((old["rss"]?.intValue ?? 0) > 0)
    }

    @Test func groupsWithoutProcessesAreZero() {
        let usage = StatsSampler(minimumInterval: 0.01).usage(groups: [999_999_999])
        #expect(usage == [999_999_999: GroupUsage.none])
        #expect(ProcessStats.usage(StatsGroup(pgid: 999_999_999)) == .object(["cpu": .double(0), "rss": .int(0), "pids": .array([])]))
    }

    /// utime + stime of a process in seconds, from /proc/PID/stat.
    func cpuSeconds(_ pid: Int32) -> Double {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ") ": field 3 is index 0, so utime (14) and stime (15) are 11 and 12.
        guard fields.count > 12, let u = Double(fields[11]), let s = Double(fields[12]) else { return 0 }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func now() -> Double { Date().timeIntervalSince1970 }

    /// The sampler's CPU % agrees with what the kernel counted over the same
    /// window (however busy the machine is), and a sleeper shows none.
    /// Whatever the machine's load, the sampler's window lies inside the
    /// window the test brackets it with (`consumed` CPU seconds over
    /// `window` seconds, by the kernel's count) and lasts at least
    /// `minimum`: so the percent it reports has bounds that always hold.
    /// `skew`: how far apart in time a sample's clock reading and its read
    /// of the process may lie (a first sample scans all of /proc: on a loaded
    /// machine that takes a while), in which the process may run a core's worth.
    func possiblePercents(consumed: Double, window: Double, minimum: Double, skew: Double = 0) -> ClosedRange<Double> {
        let ticks = 2 / Double(sysconf(Int32(_SC_CLK_TCK))) + 2 * skew
        let most = (consumed + ticks) / minimum * 100
        // At most one core ran outside the sampler's window.
        let least = (consumed - (window - minimum) - ticks) / window * 100
        return max(0, least)...max(0, most) + 0.1
    }

    @Test func cpuIsMeasuredBetweenTwoSamples() throws {
        let busy = try SpawnedGroup(["/bin/sh", "-c", "while :; do :; done"])
        defer { busy.stop() }
        let idle = try SpawnedGroup(["/bin/sleep", "30"])
        defer { idle.stop() }
        let sampler = StatsSampler(minimumInterval: 0.3)
        // What one scan of /proc takes now, the first sample's skew at most (twice, for safety).
        let scanStart = now()
        _ = ProcessTable.read()
        let scan = 2 * (now() - scanStart)
        func bracket(_ body: () -> Void) -> ClosedRange<Double> {
            let c0 = cpuSeconds(busy.pid)
            let w0 = now()
            body()
            return possiblePercents(consumed: cpuSeconds(busy.pid) - c0, window: now() - w0, minimum: 0.3, skew: scan)
        }
        var usage: [Int32: GroupUsage] = [:]
        let possible = bracket { usage = sampler.usage(groups: [busy.pid, idle.pid]) }
        let busyCPU = usage[busy.pid]?.cpu ?? -100
        #expect(possible.contains(busyCPU), "busy: \(busyCPU) % measured, the kernel's count allows \(possible)")
        #expect((usage[idle.pid]?.cpu ?? 100) < 5, "idle: \(String(describing: usage[idle.pid]))")
        // A second call measures from the first call's sample.
        var again: [Int32: GroupUsage] = [:]
        let possibleAgain = bracket {
            usleep(300_000)
            again = sampler.usage(groups: [busy.pid])
        }
        let busyAgain = again[busy.pid]?.cpu ?? -100
        #expect(possibleAgain.contains(busyAgain), "again: \(busyAgain) % measured, the kernel's count allows \(possibleAgain)")
    }

    /// A first call reads everything once, then only its members' counters:
    /// a pid now held by another process, or a process outside every
    /// group, is not read again.
    @Test func theSecondReadOfAFirstCallKeepsOnlyTheSameProcesses() throws {
        let group = try SpawnedGroup(["/bin/sleep", "30"])
        defer { group.stop() }
        let table = ProcessTable.read()
        let member = try #require(table.entries.first { $0.pid == group.pid })
        var reused = try #require(table.entries.first { $0.pid == getpid() })
        reused.pgrp = group.pid
        reused.start += 1
        let outsider = try #require(table.entries.first { $0.pid == 1 })
        let first = StatsSampler.Sample(time: 0, table: ProcessTable(entries: [member, reused, outsider]))
        let again = StatsSampler.counters(of: first, [StatsGroup(pgid: group.pid)])
        #expect(again.table.entries.map(\.pid) == [group.pid])
    }

    @Test func commandsWithSpacesAndParenthesesAreParsed() throws {
        let dir = NSTemporaryDirectory() + "ppm-comm-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let program = dir + "/a) b (c"
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: program)
        let group = try SpawnedGroup([program, "30"])
        defer { group.stop() }
        #expect(within5s { (try? String(contentsOfFile: "/proc/\(group.pid)/comm", encoding: .utf8)) == "a) b (c\n" })
        let entry = try #require(ProcessTable.read().entries.first { $0.pid == group.pid })
        #expect(entry.pgrp == group.pid)
        #expect(entry.rssPages > 0)
    }

    @Test func statLinesAreParsedFromTheLastParenthesis() {
        let line = "4242 (x) (y ) 1 2) S 1 4200 4200 0 -1 4194560 120 0 0 0 7 5 0 0 20 0 1 0 987654 1000 33 18446744073709551615 1 1\n"
        let entry = Array(line.utf8).withUnsafeBufferPointer { ProcessTable.parseStat($0, pid: 4242) }
        #expect(entry == ProcessEntry(pid: 4242, pgrp: 4200, ticks: 12, start: 987654, rssPages: 33, ppid: 1))
        #expect(Array("12 (short) S 1".utf8).withUnsafeBufferPointer { ProcessTable.parseStat($0, pid: 12) } == nil)
        #expect(Array("garbage".utf8).withUnsafeBufferPointer { ProcessTable.parseStat($0, pid: 1) } == nil)
    }

    @Test func cpuCountsOnlyProcessesPresentInBothSamples() {
        let hz = UInt64(ProcessTable.ticksPerSecond)
        let before = ProcessTable(entries: [
            ProcessEntry(pid: 10, pgrp: 10, ticks: 100, start: 5, rssPages: 1),
            ProcessEntry(pid: 11, pgrp: 10, ticks: 50, start: 5, rssPages: 1),  // pid reused below
            ProcessEntry(pid: 12, pgrp: 10, ticks: 70, start: 5, rssPages: 1),  // gone below
        ])
        let after = ProcessTable(entries: [
            ProcessEntry(pid: 10, pgrp: 10, ticks: 100 + hz, start: 5, rssPages: 2),
            ProcessEntry(pid: 11, pgrp: 10, ticks: 900, start: 99, rssPages: 3),
            ProcessEntry(pid: 13, pgrp: 10, ticks: 900, start: 99, rssPages: 4),  // new
            ProcessEntry(pid: 20, pgrp: 20, ticks: 1, start: 5, rssPages: 5),
        ])
        let usage = StatsSampler.usage(groups: [10, 30], before: before, after: after, seconds: 2)
        #expect(usage[10] == GroupUsage(cpu: 50, rss: 9 * ProcessTable.pageSize, pids: [10, 11, 13]))
        #expect(usage[30] == GroupUsage.none)
        #expect(usage[20] == nil)
    }
}

/// The flat keyed files of cgroupfs (`cpu.stat`, `cgroup.events`), parsed from bytes.
@Suite struct KernelFileTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kernelfile-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test func aKeyedValueIsFoundOnItsOwnLineOnly() throws {
        let path = try file("usage_usec_extra 5\nusage_usec 1234567\nuser_usec 9\n")
        defer { unlink(path) }
        #expect(KernelFile.value(path, key: "usage_usec") == 1_234_567)
        #expect(KernelFile.value(path, key: "user_usec") == 9)
        #expect(KernelFile.value(path, key: "usage") == nil)
        #expect(KernelFile.value(path, key: "system_usec") == nil)
    }

    @Test func aValueThatIsNotANumberIsNone() throws {
        let path = try file("populated 1x\nfrozen 0\nhuge 99999999999999999999\n")
        defer { unlink(path) }
        #expect(KernelFile.value(path, key: "populated") == nil)
        #expect(KernelFile.value(path, key: "frozen") == 0)
        #expect(KernelFile.value(path, key: "huge") == nil)
        #expect(KernelFile.value("/nonexistent/cpu.stat", key: "usage_usec") == nil)
    }

    @Test func aRelativePathIsTakenFromTheDirectoryGiven() throws {
        let path = try file("usage_usec 42\n")
        defer { unlink(path) }
        let dir = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
        defer { close(dir) }
        #expect(KernelFile.value((path as NSString).lastPathComponent, key: "usage_usec", under: dir) == 42)
    }
}

/// Whether a process group still runs: `kill(-pgid, 0)` also reaches
/// zombies, which an adopted service's ended members stay until whoever
/// inherited them reaps them; a group of zombies only is gone.
@Suite(.serialized) struct RunningGroupsTests {
    /// Field 3 of /proc/PID/stat.
    func state(_ pid: pid_t) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: close)...].dropFirst().first
    }

    @Test func aGroupOfZombiesIsGone() throws {
        let group = try SpawnedGroup(["/bin/true"])
        defer { group.stop() }
        #expect(within5s { state(group.pid) == "Z" })
        #expect(kill(-group.pid, 0) == 0)
        #expect(ProcessTable.read().entries.first { $0.pid == group.pid }?.zombie == true)
        #expect(ProcessTable.read().runningGroups(among: [group.pid]).isEmpty)
    }

    @Test func aGroupRunsWhileAMemberDoesEvenWithItsLeaderEnded() throws {
        let group = try SpawnedGroup(["/bin/sh", "-c", "/bin/sleep 30 & exit 0"])
        defer { group.stop() }
        #expect(within5s { state(group.pid) == "Z" })
        let running = try SpawnedGroup(["/bin/sleep", "30"])
        defer { running.stop() }
        let groups: Set<Int32> = [group.pid, running.pid, 999_999_999]
        #expect(ProcessTable.read().runningGroups(among: groups) == [group.pid, running.pid])
    }
}
