import Foundation
import Glibc
import PPMRuntime
import Testing

/// Whether a daemon started here may make cgroups (what `ServiceCgroups.make`
/// checks first: a writable unified hierarchy showing our cgroup).
private let cgroupsHere: Bool = {
    guard case .success(let own) = CgroupHierarchy.ownDirectory() else { return false }
    return access(own + "/cgroup.procs", W_OK) == 0
}()

/// A service's processes live in a cgroup of their own: `stop` reaches those
/// that left the process group, `stats` counts them, nothing is left after `quit`.
/// Skipped where no writable cgroup2 hierarchy exists (process groups are then the fallback).
@Suite(.enabled(if: cgroupsHere, "no writable cgroup2 hierarchy here (needs root or a delegated cgroup): services use process groups"))
struct CgroupEndToEndTests {
    /// The subtree of the daemon (`status`) and a service's cgroup (`show`).
    func cgroups(_ box: Sandbox, _ service: String) throws -> (root: String, service: String) {
        let status = try #require(try JSONSerialization.jsonObject(with: Data(box.run("status", "--json").stdout.utf8)) as? [String: Any])
        let show = try #require(try JSONSerialization.jsonObject(with: Data(box.run("show", service, "--json").stdout.utf8)) as? [String: Any])
        return (try #require(status["cgroups"] as? String), try #require(show["cgroup"] as? String))
    }

    /// A double fork into a new session: out of the service's process group.
    static let escaper = "(setsid /bin/sh -c 'echo $$ > escaped.pid; while :; do :; done' &); exec /bin/sleep 1000"

    @Test func stopEndsAGrandchildThatLeftTheGroupAndStatsCountIt() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "escaper", dir = "\(box.dir)", cmd = { "/bin/sh", "-c", "\(Self.escaper)" } }
            """)
        try box.startDaemon()
        let escaped = try #require(pidFile(box.dir + "/escaped.pid"))
        let main = try #require(box.pid("escaper"))
        let (root, cgroup) = try cgroups(box, "escaper")
        #expect(cgroup == root + "/escaper.service")
        #expect(procStatus(escaped, "NSsid") != "\(main)")  // its own session: the group does not reach it
        #expect(cgroupOf(escaped)?.hasSuffix("/escaper.service") == true)
        // `stats` counts it: its pid, and the CPU it burns (read from the cgroup).
        #expect(
            eventually {
                let row = stats(box)["escaper"]
                return (row?["pids"] as? [Int])?.contains(Int(escaped)) == true && ((row?["cpu"] as? Double) ?? 0) > 5
            })
        #expect(box.run("eval", "return #ppm.stats('escaper').pids").stdout == "2\n")
        // `stop` returns once the whole cgroup is empty.
        #expect(box.run("stop", "escaper").status == 0)
        #expect(members(cgroup).isEmpty)
        #expect(eventually(5) { !alive(escaped) })
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
        #expect(access(root, F_OK) != 0, "the cgroups are removed at quit")
    }

    @Test func whatACrashLeftIsEndedAndTheNextRunIsNot() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { backoff = { interval = 0.1 } }
            ppm.service { name = "flaky", dir = "\(box.dir)", stop_timeout = 1, cmd = { "/bin/sh", "-c",
              "if [ -e ran ]; then exec /bin/sleep 1000; fi; touch ran; (setsid /bin/sh -c 'echo $$ > left.pid; exec /bin/sleep 901' &); sleep 0.2; exit 3" } }
            """)
        try box.startDaemon()
        let left = try #require(pidFile(box.dir + "/left.pid"))
        #expect(eventually { box.services()["flaky"]?["starts"] as? Int == 2 && box.state("flaky") == "running" })
        let next = try #require(box.pid("flaky"))
        #expect(eventually(10) { !alive(left) })
        let (_, cgroup) = try cgroups(box, "flaky")
        usleep(1_200_000)  // past the stop timeout: the SIGKILL for the leftovers went to them only
        #expect(alive(next) && members(cgroup) == [next])
    }

    @Test func aCgroupThatCannotBeMadeFailsTheStartNamingIt() throws {
        let box = try Sandbox()
        try box.write(#"ppm.service { name = "late", cmd = "/bin/sleep 1000", autostart = false }"#)
        try box.startDaemon()
        let (root, cgroup) = try cgroups(box, "late")
        #expect(writeFile(root + "/cgroup.max.descendants", "0"))
        let start = box.run("start", "late")
        #expect(start.status == 1)
        #expect(
            (start.stdout + start.stderr).contains("could not start: \(cgroup): Resource temporarily unavailable"), "\(start.stdout + start.stderr)")
        #expect(writeFile(root + "/cgroup.max.descendants", "max"))
        #expect(box.run("start", "late").status == 0)
        #expect(cgroupOf(try #require(box.pid("late"))) == "0::" + cgroupPath(cgroup))
    }

    /// A stray (a process in no recorded group) of a service the next
    /// daemon does not run is ended through its cgroup; an adopted service
    /// keeps its cgroup, and `stop` reaches its stray.
    @Test func afterAKilledDaemonTheCgroupsFindStrays() throws {
        let box = try Sandbox()
        // The stray's group leader exits at once: no process group leads to it.
        try box.write(
            """
            setsid /bin/sh -c '/bin/sh -c "echo \\$\\$ > stray-$PPM_LUA_SERVICE.pid; exec /bin/sleep 904" & exit 0' &
            exec /bin/sleep 1000
            """, to: "stray.sh")
        let both = """
            ppm.service { name = "keep", dir = "\(box.dir)", cmd = { "/bin/sh", "stray.sh" } }
            ppm.service { name = "gone", dir = "\(box.dir)", cmd = { "/bin/sh", "stray.sh" } }
            """
        try box.write(both)
        try box.startDaemon()
        let keepStray = try #require(pidFile(box.dir + "/stray-keep.pid"))
        let goneStray = try #require(pidFile(box.dir + "/stray-gone.pid"))
        let keep = try #require(box.pid("keep"))
        let (root, goneCgroup) = try cgroups(box, "gone")
        kill(try #require(box.daemonProcess).processIdentifier, SIGKILL)
        #expect(box.waitForDaemonExit() != nil)
        try box.write(String(both.split(separator: "\n")[0]))
        try box.startDaemon()
        #expect(box.pid("keep") == keep)
        #expect(eventually(10) { !alive(goneStray) })
        #expect(access(goneCgroup, F_OK) != 0)
        #expect(alive(keepStray))
        #expect(box.run("stop", "keep").status == 0)
        #expect(eventually(5) { !alive(keepStray) })
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
        #expect(access(root, F_OK) != 0)
    }
}

/// The fallback: `ppm.settings { cgroups = false }`, read when the daemon starts.
@Suite struct CgroupSettingTests {
    @Test func cgroupsCanBeTurnedOffAndTheSettingIsReadAtStart() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.settings { cgroups = false }
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon()
        let status = try #require(try JSONSerialization.jsonObject(with: Data(box.run("status", "--json").stdout.utf8)) as? [String: Any])
        #expect(status["cgroups"] is NSNull)
        #expect((status["cgroups_off"] as? String)?.contains("cgroups = false") == true)
        #expect(box.run("status").stdout.contains("cgroups   off, process groups only: turned off by ppm.settings { cgroups = false }"))
        #expect(!box.run("show", "web", "--json").stdout.contains("\"cgroup\""))
        let pid = try #require(box.pid("web"))
        #expect(cgroupOf(pid).map { !$0.hasSuffix("/web.service") } ?? true)
        let live = box.run("eval", "ppm.settings { cgroups = true }")
        #expect(live.status == 1 && live.stderr.contains("'cgroups' is read from the config when the daemon starts"), "\(live.stderr)")
        try box.write("ppm.settings { cgroups = 1 }", to: "bad.lua")
        let bad = box.run("check", box.dir + "/bad.lua")
        #expect(bad.status == 1 && bad.stderr.contains("cgroups"), "\(bad.stderr)")
    }
}

/// `stats --json` rows by name.
private func stats(_ box: Sandbox) -> [String: [String: Any]] {
    let rows = (try? JSONSerialization.jsonObject(with: Data(box.run("stats", "--json").stdout.utf8))) as? [[String: Any]] ?? []
    return Dictionary(rows.compactMap { row in (row["name"] as? String).map { ($0, row) } }) { a, _ in a }
}

/// The pids in a cgroup directory.
private func members(_ dir: String) -> [Int32] {
    ((try? String(contentsOfFile: dir + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
}

/// The `0::` line of /proc/PID/cgroup.
private func cgroupOf(_ pid: Int32) -> String? {
    (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("0::") }.map(String.init)
}

/// A cgroup directory as /proc/PID/cgroup shows it (relative to the mount).
private func cgroupPath(_ dir: String) -> String {
    guard case .success(let own) = CgroupHierarchy.ownDirectory(),
        let line = cgroupOf(getpid())
    else { return dir }
    let ownPath = String(line.dropFirst(3))
    return (ownPath == "/" ? "" : ownPath) + dir.dropFirst(own.count)
}

private func writeFile(_ path: String, _ text: String) -> Bool {
    FileManager.default.fileExists(atPath: path) && (try? text.write(toFile: path, atomically: false, encoding: .utf8)) != nil
}
