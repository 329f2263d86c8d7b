// Micro-benchmark: one pass over /proc (ProcessTable) against the old
// per-service scan, with ~1000 extra `sleep 60` processes running.
// Run with bench/stats/run.sh (release build of the PPMRuntime and PPMMachine files it needs).
import Foundation

/// The old ProcessStats.group: one String-parsing scan of /proc per service.
func oldGroup(_ pgid: Int32) -> JSONValue {
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    let page = Double(sysconf(Int32(_SC_PAGESIZE)))
    let read = { (p: String) in FileManager.default.contents(atPath: p).map { String(decoding: $0, as: UTF8.self) } }
    let uptime = (read("/proc/uptime")?.split(separator: " ").first).flatMap { Double($0) } ?? 0
    var cpu = 0.0, rss = 0.0
    var pids: [JSONValue] = []
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where entry.first?.isNumber == true {
        guard let stat = read("/proc/\(entry)/stat"), let close = stat.lastIndex(of: ")") else { continue }
        let f = stat[stat.index(after: close)...].split(separator: " ")
        guard f.count > 21, Int32(f[2]) == pgid, let pid = Int64(entry) else { continue }
        let age = uptime - (Double(f[19]) ?? 0) / ticks
        if age > 0 { cpu += ((Double(f[11]) ?? 0) + (Double(f[12]) ?? 0)) / ticks / age * 100 }
        rss += (Double(f[21]) ?? 0) * page
        pids.append(.int(pid))
    }
    return .object(["cpu": .double((cpu * 10).rounded() / 10), "rss": .int(Int64(rss)), "pids": .array(pids)])
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func measure(_ label: String, runs: Int = 20, _ body: () -> Any) {
    var times: [Double] = []
    for _ in 0..<runs {
        let t = now()
        _ = body()
        times.append((now() - t) * 1000)
    }
    times.sort()
    print(String(format: "%-52@ best %8.2f ms   median %8.2f ms", label as NSString, times[0], times[times.count / 2]))
}

/// Starts `count` `sleep 60` in one new process group; returns its id.
func spawnSleepers(_ count: Int) -> pid_t {
    var group: pid_t = 0
    let args: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("60"), nil]
    for _ in 0..<count {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, group)
        var pid: pid_t = 0
        if posix_spawn(&pid, "/bin/sleep", nil, &attr, args, environ) == 0, group == 0 { group = pid }
        posix_spawnattr_destroy(&attr)
    }
    return group
}

let extra = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1000 : 1000
let sleepers = spawnSleepers(extra)
defer {
    if sleepers > 0 {  // kill(-0) would signal our own group
        kill(-sleepers, SIGKILL)
        while waitpid(-sleepers, nil, 0) > 0 {}
    }
}
usleep(300_000)
let table = ProcessTable.read()
let groups = Array(Set(table.entries.map(\.pgrp)))
print("processes in /proc: \(table.entries.count) (\(extra) extra sleep 60), process groups: \(groups.count)")

measure("ProcessTable.read() (one pass)") { ProcessTable.read().entries.count }
measure("usage from two tables, all \(groups.count) groups") {
    StatsSampler.usage(groups: groups, before: table, after: table, seconds: 1).count
}
measure("old ProcessStats.group, one service", runs: 5) { oldGroup(table.entries[0].pgrp) }
measure("new ProcessStats.group, one service") { ProcessStats.group(table.entries[0].pgrp) }
let sampler = StatsSampler(minimumInterval: 0)
_ = sampler.usage(groups: groups)
measure("StatsSampler.usage, warm, no wait, all groups") { sampler.usage(groups: groups).count }
var before = rusage(), after = rusage()
getrusage(RUSAGE_SELF.rawValue, &before)
for _ in 0..<50 { _ = ProcessTable.read() }
getrusage(RUSAGE_SELF.rawValue, &after)
let user = Double(after.ru_utime.tv_sec - before.ru_utime.tv_sec) * 1000 + Double(after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1000
let system = Double(after.ru_stime.tv_sec - before.ru_stime.tv_sec) * 1000 + Double(after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1000
print(String(format: "one pass: %.2f ms user + %.2f ms system (average of 50)", user / 50, system / 50))
