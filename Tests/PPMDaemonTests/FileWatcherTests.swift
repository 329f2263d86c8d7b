import Dispatch
import Foundation
import Glibc
@testable import PPMDaemon
import PPMCoreTesting
import Synchronization
import Testing

/// The watcher's debounce on a clock the test moves: one call once the
/// files have been quiet for the whole period, with every path touched.
@Suite struct FileWatcherTests {
    final class Calls: @unchecked Sendable {
        var seen: [Set<String>] = []
    }

    /// Waits (on the watcher's queue) until its quiet period is armed anew.
    func waitForQuietPeriod(_ queue: DispatchQueue, _ clock: ManualScheduler, from: Double) -> Bool {
        let deadline = Date.now + 10
        while Date.now < deadline {
            if queue.sync(execute: { clock.pending.first.map { $0 > from } ?? false }) { return true }
            usleep(2_000)
        }
        return false
    }

    @Test func changesAreReportedOnceAfterTheQuietPeriod() throws {
        let dir = NSTemporaryDirectory() + "ppm-watch-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Existing files: a save in place is one event (IN_CLOSE_WRITE), a save by rename one (IN_MOVED_TO).
        for name in ["a.lua", "b.lua"] { try "0".write(toFile: dir + "/" + name, atomically: false, encoding: .utf8) }
        let queue = DispatchQueue(label: "watch-test")
        let clock = ManualScheduler(), calls = Calls()
        let watcher = try FileWatcher(queue: queue, scheduler: clock, debounce: 1) { calls.seen.append($0) }
        queue.sync { watcher.watch([dir + "/a.lua", dir + "/b.lua"]) }

        try "1".write(toFile: dir + "/a.lua", atomically: false, encoding: .utf8)
        #expect(waitForQuietPeriod(queue, clock, from: 0))
        queue.sync { clock.advance(0.9) }
        #expect(queue.sync { calls.seen.isEmpty })
        // A second save within the period starts it again.
        try "2".write(toFile: dir + "/b.lua", atomically: true, encoding: .utf8)
        #expect(waitForQuietPeriod(queue, clock, from: 0.5))
        queue.sync { clock.advance(0.9) }
        #expect(queue.sync { calls.seen.isEmpty })
        queue.sync { clock.advance(0.1) }
        #expect(queue.sync { calls.seen } == [[dir + "/a.lua", dir + "/b.lua"]])
        #expect(queue.sync { clock.pending.isEmpty })
        // A file not watched in the same folder arms nothing.
        try "3".write(toFile: dir + "/c.txt", atomically: false, encoding: .utf8)
        try "4".write(toFile: dir + "/a.lua", atomically: false, encoding: .utf8)
        #expect(waitForQuietPeriod(queue, clock, from: 0))
        queue.sync { clock.advance(1) }
        #expect(queue.sync { calls.seen.last } == [dir + "/a.lua"])
    }
}
