import Foundation
import Testing

/// Processes whose parent is `pid`.
func children(of pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { procStatus($0, "PPid") == String(pid) }
}

/// The process group of a process (nil if it is gone).
func processGroup(of pid: Int32) -> Int32? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 2 ? Int32(fields[2]) : nil
}

/// The chaos run: 50 services with mixed policies while processes are
/// killed, stopped and continued at random, clients hammer the daemon, and
/// the daemon itself is killed and started again. CI runs it for 20 s;
/// `PPM_CHAOS_SECONDS=600 swift test --filter Chaos` (scripts/chaos.sh) runs longer.
@Suite struct ChaosTests {
    @Test func nothingIsLostOrDoubledUnderChaos() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["PPM_CHAOS_SECONDS"] ?? "") ?? 20
        let box = try Sandbox()
        let base = 90_000_000 + Int(getpid() % 1000) * 1000
        func marker(_ i: Int) -> String { "/bin/sleep \(base + i)" }
        var config = "ppm.settings { backoff = { interval = 0.05, max = 0.5 }, stop_timeout = 1 }\n"
        for i in 0..<50 {
            switch i % 5 {
            case 0: config += "ppm.service { name = \"s\(i)\", cmd = \"\(marker(i))\" }\n"
            case 1: config += "ppm.service { name = \"s\(i)\", cmd = { \"/bin/sh\", \"-c\", \"\(marker(i)) & exec \(marker(i))\" } }\n"
            case 2:
                config +=
                    "ppm.service { name = \"s\(i)\", restart = \"always\", cmd = \"\(marker(i))\", on_exit = function(ev) return { action = \"restart\", after = 0.05 } end }\n"
            case 3: config += "ppm.service { name = \"s\(i)\", cmd = { \"/bin/sh\", \"-c\", \"while true; do echo line; sleep 0.05; done\" } }\n"
            default:
                config +=
                    "ppm.service { name = \"s\(i)\", groups = { \"g\" }, cmd = \"\(marker(i))\", restart = function(ev) return \"restart\" end }\n"
            }
        }
        try box.write(config)
        try box.startDaemon()
        #expect(eventually(30) { box.services().values.filter { $0["state"] as? String == "running" }.count == 50 })

        let deadline = Date().addingTimeInterval(seconds)
        let group = DispatchGroup()
        // The workers only run commands (each its own process); the daemon is restarted from here.
        nonisolated(unsafe) let client = box
        // Random signals to services and their children.
        DispatchQueue.global().async(group: group) {
            var rng = SystemRandomNumberGenerator()
            while Date() < deadline {
                let pids = client.services().values.compactMap { ($0["pid"] as? NSNumber)?.int32Value }
                guard let pid = pids.randomElement(using: &rng) else { continue }
                let target = (children(of: pid) + [pid]).randomElement(using: &rng)!
                kill(target, [SIGKILL, SIGSTOP, SIGCONT, SIGTERM].randomElement(using: &rng)!)
                usleep(UInt32.random(in: 5_000...30_000, using: &rng))
            }
        }
        // Clients: listings, stats, starts and stops.
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                while Date() < deadline {
                    let name = "s\(Int.random(in: 0..<50))"
                    switch Int.random(in: 0..<6) {
                    case 0: client.run("ls", "--json")
                    case 1: client.run("status")
                    case 2: client.run("stats", "--json")
                    case 3: client.run("stop", name)
                    case 4: client.run("start", name)
                    default: client.run("restart", "@g")
                    }
                }
            }
        }
        // The daemon itself is killed once, half-way, and started again.
        usleep(UInt32(seconds * 500_000))
        kill(try #require(box.daemonProcess).processIdentifier, SIGKILL)
        _ = box.waitForDaemonExit()
        try box.startDaemon()
        group.wait()

        // Calm: continue whatever is stopped, start everything, let it settle.
        for i in 0..<50 { for pid in processes(marker(i)) { kill(pid, SIGCONT) } }
        for pid in box.services().values.compactMap({ ($0["pid"] as? NSNumber)?.int32Value }) {
            kill(pid, SIGCONT)
            for c in children(of: pid) { kill(c, SIGCONT) }
        }
        #expect(box.run("start", "all").status == 0)
        let settled = eventually(30) {
            let s = box.services()
            return s.count == 50 && s.values.allSatisfy { $0["state"] as? String == "running" }
        }
        #expect(settled, "not every service runs: \(box.services().filter { $0.value["state"] as? String != "running" }.keys.sorted())")
        // One copy of each: its processes are all in the group of the pid `ls`
        // shows (a child the chaos killed is not started again; nothing of an
        // earlier run is left).
        let leaders = box.services().mapValues { ($0["pid"] as? NSNumber)?.int32Value ?? -1 }
        for i in 0..<50 where i % 5 != 3 {
            let leader = leaders["s\(i)"] ?? -1
            let most = i % 5 == 1 ? 2 : 1
            let ok = eventually(5) {
                let found = processes(marker(i))
                return (1...most).contains(found.count) && found.contains(leader) && found.allSatisfy { processGroup(of: $0) == leader }
            }
            #expect(ok, "s\(i): \(processes(marker(i)).map { ($0, processGroup(of: $0) ?? -1) }) (leader \(leader))")
        }
        let daemon = try #require(box.daemonProcess).processIdentifier
        #expect(children(of: daemon).allSatisfy { procStatus($0, "State")?.hasPrefix("Z") == false }, "a zombie is left")
        let rss = Int(procStatus(daemon, "VmRSS")?.split(separator: " ").first ?? "") ?? 0
        #expect(rss < 64 * 1024 * memoryAllowance, "daemon RSS \(rss) kB")
        // Under the daemon that runs now, every process it started or adopted
        // has an exit record, or still runs. (One that the killed daemon
        // started and that died before the next one came up has no end in
        // the journal: no daemon was there to see it.)
        let running = Set(box.services().values.compactMap { ($0["pid"] as? NSNumber)?.intValue })
        let journal = box.events(n: 100_000)
        let current = journal.lastIndex { $0["type"] as? String == "config" } ?? 0
        var open = Set<Int>()
        for e in journal[current...] {
            guard let pid = e["pid"] as? Int else { continue }
            switch e["type"] as? String {
            case "start", "adopted": open.insert(pid)
            case "exit": open.remove(pid)
            default: break
            }
        }
        #expect(open.subtracting(running).isEmpty, "started, never seen to end: \(open.subtracting(running).sorted())")

        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit(30) == 0)
        for i in 0..<50 { #expect(processes(marker(i)).isEmpty, "s\(i) outlived quit") }
    }
}
