import Dispatch
import Foundation
import Glibc
import PPMMachine
import PPMMachineTesting
import PPMRuntime
import PPMScript
import Synchronization
import Testing

@testable import PPMDaemon

/// `ppm.spawn` helpers' timeouts, on a clock the test moves: SIGTERM at the
/// timeout, SIGKILL `killAfter` later to one that ignores it, nothing before.
@Suite struct HelperProcessTests {
    /// The helpers on a queue of their own, timed by a manual clock.
    final class Fixture: @unchecked Sendable {
        let queue = DispatchQueue(label: "helper-test")
        let clock = ManualScheduler()
        let helpers: HelperProcesses
        let result = Mutex<HelperResult?>(nil)

        init() { helpers = HelperProcesses(queue: queue, spawner: LinuxSpawner(), scheduler: clock) }

        /// Starts `cmd` with a timeout; returns its pid.
        func spawn(_ cmd: [String], timeout: Double, killAfter: Double) -> Int32? {
            queue.sync {
                helpers.spawn(cmd: cmd, env: [:], dir: nil, stdin: nil, timeout: timeout, onExit: true, killAfter: killAfter) { result in
                    self.result.withLock { $0 = result }
                }
                return helpers.pids.first
            }
        }

        func advance(_ seconds: Double) { queue.sync { clock.advance(seconds) } }

        /// Reaps the helper (the daemon's reaper does it there) and hands its exit over.
        func reap(_ pid: Int32) -> PPMMachine.ExitStatus? {
            var status: Int32 = 0
            guard waitpid(pid, &status, 0) == pid else { return nil }
            let exit: PPMMachine.ExitStatus = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
            queue.sync { _ = helpers.exited(pid: pid, status: exit) }
            return exit
        }

        /// The result handed to the callback, once both outputs reached their end.
        func waitForResult() -> HelperResult? {
            let deadline = Date.now + 10
            while Date.now < deadline {
                if let r = result.withLock({ $0 }) { return r }
                usleep(2_000)
            }
            return nil
        }
    }

    /// Whether `pid` ignores SIGTERM yet (its shell ran `trap`).
    static func ignoresTerm(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
            let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(SIGTERM - 1)) != 0
    }

    @Test func aHelperPastItsTimeoutGetsSIGTERMAndNothingBefore() throws {
        let f = Fixture()
        let pid = try #require(f.spawn(["/bin/sleep", "30"], timeout: 5, killAfter: 2))
        f.advance(4.9)
        #expect(kill(pid, 0) == 0)
        #expect(f.result.withLock { $0 } == nil)
        f.advance(0.1)
        #expect(f.reap(pid) == .signaled(SIGTERM))
        let result = try #require(f.waitForResult())
        #expect(result.timedOut && result.status == .signaled(SIGTERM))
        #expect(abs(result.runtime - 5) < 1e-6)
    }

    @Test func aHelperIgnoringSIGTERMGetsSIGKILLAfterKillAfter() throws {
        let f = Fixture()
        let pid = try #require(f.spawn(["/bin/sh", "-c", "trap '' TERM; exec /bin/sleep 30"], timeout: 1, killAfter: 3))
        let deadline = Date.now + 10
        while Date.now < deadline, !Self.ignoresTerm(pid) { usleep(2_000) }
        #expect(Self.ignoresTerm(pid))
        f.advance(1)
        f.advance(2.9)
        #expect(kill(pid, 0) == 0)  // SIGTERM ignored, SIGKILL not due yet
        f.advance(0.1)
        #expect(f.reap(pid) == .signaled(SIGKILL))
        #expect(try #require(f.waitForResult()).timedOut)
    }
}
