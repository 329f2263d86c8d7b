import Dispatch
import Foundation
import Glibc
import PPMMachine
import PPMMachineTesting
import PPMRuntime
import Synchronization
import Testing

@testable import PPMDaemon

@Suite struct ChildReaperTests {
    /// Exits reported through the reaper, on its queue.
    final class Reports: @unchecked Sendable {
        let events = Mutex<[String]>([])
        func add(_ event: SignalLoop.Event) {
            if case .exited(let pid, let status, _) = event { events.withLock { $0.append("\(pid) \(status)") } }
        }
        func wait(for text: String, seconds: Double = 10) -> Bool {
            let deadline = Date.now + seconds
            while Date.now < deadline {
                if events.withLock({ $0.contains(text) }) { return true }
                usleep(5_000)
            }
            return false
        }
    }

    /// A reaper on a queue of its own, the exits it reports, and a spawner handing it every pidfd.
    func makeReaper() -> (DispatchQueue, Reports, ChildReaper, LinuxSpawner) {
        let queue = DispatchQueue(label: "reaper-test")
        let reports = Reports()
        let reaper = ChildReaper(queue: queue, scheduler: DispatchScheduler(queue: queue)) { reports.add($0) }
        let spawner = LinuxSpawner()
        spawner.childWatcher = reaper
        return (queue, reports, reaper, spawner)
    }

    @Test func aSpawnedChildIsReapedThroughItsPidfdWithoutASweep() throws {
        let (queue, reports, reaper, spawner) = makeReaper()
        var pids: [Int32] = []
        queue.sync {
            for code in 0..<3 {
                let spec = ServiceSpec(name: "c\(code)", cmd: ["/bin/sh", "-c", "exit \(code)"])
                if case .success(let pid) = spawner.spawn(spec) { pids.append(pid) }
            }
        }
        #expect(pids.count == 3)
        // No SIGCHLD reaches the reaper here (childSignalled is never called):
        // only the pidfds can report these exits.
        for (code, pid) in pids.enumerated() {
            #expect(reports.wait(for: "\(pid) \(ExitStatus.exited(Int32(code)))"))
        }
        #expect(queue.sync { reaper.watched } == 0)
        for pid in pids { #expect(kill(pid, 0) == -1 && errno == ESRCH) }  // reaped, not zombies
    }

    /// (No test calls `sweep`: its `waitpid(-1)` would reap the children of
    /// tests running alongside in this process.)
    @Test func aChildReapedElsewhereFirstLeavesNoPidfdBehind() throws {
        let (queue, reports, reaper, spawner) = makeReaper()
        let pid = try queue.sync { try spawner.spawn(ServiceSpec(name: "k", cmd: ["/bin/sleep", "30"])).get() }
        queue.sync {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            #expect(waitpid(pid, &status, 0) == pid)  // before the pidfd's readiness gets its turn
        }
        let deadline = Date.now + 10
        while Date.now < deadline, queue.sync(execute: { reaper.watched }) > 0 { usleep(5_000) }
        #expect(queue.sync { reaper.watched } == 0)
        #expect(reports.events.withLock { $0.isEmpty })
    }

    /// Counts the sweeps instead of reaping every child of the test process.
    final class Sweeps: @unchecked Sendable {
        var count = 0
    }

    /// The timers pending, in milliseconds from now (the clock counts in large floats).
    func due(_ clock: ManualScheduler) -> [Double] { clock.pending.map { ($0 * 1000).rounded() / 1000 } }

    @Test func aSigchldNothingExplainsIsSweptSoonAndOnce() {
        let queue = DispatchQueue(label: "reaper-sweep-test")
        let clock = ManualScheduler()
        let sweeps = Sweeps()
        let reaper = ChildReaper(queue: queue, scheduler: clock, reapAll: { _ in sweeps.count += 1 }) { _ in }
        queue.sync {
            reaper.childSignalled(pid: 999_991, code: Int32(CLD_STOPPED))
            reaper.childSignalled(pid: 999_992, code: Int32(CLD_EXITED))  // coalesced into the sweep already due
            #expect(due(clock) == [ChildReaper.sweepDelay])
            clock.advance(ChildReaper.sweepDelay / 2)
            #expect(sweeps.count == 0)
            clock.advance(ChildReaper.sweepDelay)
            #expect(sweeps.count == 1)
            #expect(clock.pending.isEmpty)
            reaper.childSignalled(pid: 999_993, code: Int32(CLD_CONTINUED))  // a new episode: a new sweep
            clock.advance(ChildReaper.sweepDelay)
            #expect(sweeps.count == 2)
        }
    }

    /// A SIGCHLD about a child whose pidfd reports its exit sweeps late only
    /// (it may hide another child's), and a sweep due soon makes the late one needless.
    @Test func anExitAPidfdExplainsIsSweptLate() throws {
        let queue = DispatchQueue(label: "reaper-late-test")
        let clock = ManualScheduler()
        let sweeps = Sweeps()
        let reports = Reports()
        let reaper = ChildReaper(queue: queue, scheduler: clock, reapAll: { _ in sweeps.count += 1 }) { reports.add($0) }
        let spawner = LinuxSpawner()
        spawner.childWatcher = reaper
        let pid = try queue.sync { try spawner.spawn(ServiceSpec(name: "late", cmd: ["/bin/sleep", "30"])).get() }
        queue.sync {
            reaper.childSignalled(pid: pid, code: Int32(CLD_EXITED))
            #expect(due(clock) == [ChildReaper.lateSweepDelay])
            clock.advance(ChildReaper.sweepDelay)
            #expect(sweeps.count == 0)
            clock.advance(ChildReaper.lateSweepDelay)
            #expect(sweeps.count == 1)
        }
        kill(pid, SIGKILL)
        #expect(reports.wait(for: "\(pid) \(ExitStatus.signaled(SIGKILL))"))
    }
}
