import Foundation
import Glibc
import Testing

/// A pids cgroup made for one test (cgroup v2 with the pids controller, or
/// the v1 pids hierarchy), removed at the end; what is left in it (all
/// started by the test) is killed.
final class PidsCgroup {
    let path: String
    private let parent: String

    /// Where a pids cgroup can be made here, or nil (not root, no pids controller).
    static let parentDirectory: String? = {
        guard getuid() == 0 else { return nil }
        let v2 = "/sys/fs/cgroup"
        if let controllers = try? String(contentsOfFile: v2 + "/cgroup.controllers", encoding: .utf8),
            controllers.split(separator: " ").contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "pids" }),
            (try? "+pids".write(toFile: v2 + "/cgroup.subtree_control", atomically: false, encoding: .utf8)) != nil
        {
            return v2
        }
        let v1 = "/sys/fs/cgroup/pids"
        return access(v1 + "/cgroup.procs", W_OK) == 0 ? v1 : nil
    }()

    init() throws {
        parent = try #require(Self.parentDirectory)
        path = parent + "/ppm-test-pids-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// A wrapper for `Sandbox.launch` that enters the cgroup, then executes the command.
    var wrapper: [String] { ["/bin/sh", "-c", "echo $$ > \(path)/cgroup.procs && exec \"$@\"", "sh"] }

    /// `pids.current`.
    var current: Int { Int(read("pids.current")) ?? -1 }

    func setMax(_ n: Int) throws { try String(n).write(toFile: path + "/pids.max", atomically: false, encoding: .utf8) }

    /// `pids.max` reached this many times (`pids.events`).
    var refusals: Int { Int(read("pids.events").split(separator: " ").last ?? "") ?? 0 }

    private func read(_ file: String) -> String {
        ((try? String(contentsOfFile: path + "/" + file, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        for _ in 0..<50 {
            let procs = (try? String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8)) ?? ""
            for pid in procs.split(separator: "\n") { kill(Int32(pid) ?? 0, SIGKILL) }
            if rmdir(path) == 0 || errno == ENOENT { return }
            usleep(100_000)
        }
    }
}

/// The daemon inside a used-up pids limit (#29.3): nothing on its loop may
/// wait for a new thread, so it answers and reaps while a service forks to the limit.
@Suite(.enabled(if: PidsCgroup.parentDirectory != nil, "needs root and a writable pids cgroup (v2 controller or v1 hierarchy)"))
struct PidsLimitTests {
    @Test func statusAnswersAndStopReapsWhileAServiceForksToThePidsLimit() throws {
        let cgroup = try PidsCgroup()
        let box = try Sandbox()
        // bash retries a fork that fails: it stays at the limit. Once it is
        // stopped its `sleep`s are orphans of the daemon (a child subreaper),
        // counted as zombies until it reaps them.
        try box.write(
            """
            ppm.service { name = "forker", dir = "\(box.dir)", stop_timeout = 2, cmd = { "/bin/bash", "-c",
              "while :; do /bin/sleep 1000 2>/dev/null & done 2>/dev/null" }, autostart = false }
            ppm.service { name = "calm", cmd = { "/bin/sleep", "1000" }, autostart = false }
            """)
        try box.startDaemon(wrapper: cgroup.wrapper)
        let daemon = try #require(box.daemonProcess).processIdentifier
        // Let idle libdispatch workers expire (they go after 5 s idle), as in a daemon left alone.
        #expect(box.run(["status"], deadline: 10)?.status == 0)
        let limit = cgroup.current + 40
        try cgroup.setMax(limit)
        #expect(box.run(["start", "forker"], deadline: 20)?.status == 0)
        #expect(eventually(20) { cgroup.refusals > 0 && cgroup.current == limit }, "the service reaches the limit")
        // libdispatch lets a worker thread go after 5 s idle, and the forker
        // takes its pid: a daemon that needs a new thread then hangs. (Not
        // a wait for a result: the time an old daemon needs to show the fault.)
        usleep(8_000_000)
        for _ in 0..<5 {
            let status = box.run(["status"], deadline: 10)
            #expect(status?.status == 0, "status answers at the pids limit: \(status?.stderr ?? "no answer within 10 s")")
            #expect(cgroup.current >= limit - 2, "still at the limit")
        }
        #expect(box.run(["start", "calm"], deadline: 20) != nil, "start answers (with an error or not)")
        #expect(box.run(["stop", "forker"], deadline: 30)?.status == 0)
        // Everything the forker left is reaped: no child of the daemon is a zombie, and the count falls.
        #expect(eventually(20) { zombieChildren(of: daemon) == 0 && cgroup.current < limit - 30 })
        #expect(box.run(["quit"], deadline: 20)?.status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }

    /// Zombies among `pid`'s children (orphans it adopted included).
    func zombieChildren(of pid: Int32) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        let children = tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "").split(separator: " ")
        }
        return children.filter { procStatus(Int32($0) ?? 0, "State")?.hasPrefix("Z") == true }.count
    }
}
