import Glibc
import Synchronization
import Testing

@testable import PPMRuntime

/// `WorkerThread.perform(after:)`: jobs timed by the thread's own wait, for
/// work that must come back while the descriptor table is full (the
/// control socket's pause after `accept` failed with EMFILE): a Dispatch
/// timer asked for then never fires.
@Suite struct WorkerThreadTests {
    /// What ran, when (seconds after the start), and on which thread.
    final class Record: Sendable {
        let entries = Mutex<[(name: String, at: Double, onThread: Bool)]>([])
    }

    @Test func timedJobsRunOnTheThreadAfterTheirTimeInTheirTimesOrder() {
        let thread = WorkerThread(name: "test.timed")
        #expect(thread.isRunning)
        let record = Record()
        let start = WorkerThread.monotonicNow()
        let done = Mutex(false)
        for (name, delay) in [("late", 0.3), ("early", 0.05), ("middle", 0.15)] {
            thread.perform(after: delay) {
                record.entries.withLock { $0.append((name, WorkerThread.monotonicNow() - start, thread.isCurrent)) }
                if name == "late" { done.withLock { $0 = true } }
            }
        }
        // An untimed job meanwhile runs at once, before any of them.
        thread.performAndWait { record.entries.withLock { $0.append(("now", WorkerThread.monotonicNow() - start, thread.isCurrent)) } }
        let deadline = start + 10
        while !done.withLock({ $0 }) && WorkerThread.monotonicNow() < deadline { usleepShort() }
        let entries = record.entries.withLock { $0 }
        #expect(entries.map(\.name) == ["now", "early", "middle", "late"])
        for entry in entries { #expect(entry.onThread, "\(entry.name) ran on another thread") }
        let wanted = ["early": 0.05, "middle": 0.15, "late": 0.3]
        for entry in entries where entry.name != "now" {
            #expect(entry.at >= wanted[entry.name]!, "\(entry.name) ran after \(entry.at) s")
        }
    }

    private func usleepShort() { _ = poll(nil, 0, 5) }
}
