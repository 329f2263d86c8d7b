import Dispatch
import Foundation
import Glibc
import PPMMachineTesting
import Synchronization
import Testing

@testable import PPMDaemon

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

    /// Saves `text` with one system call sequence and so one event: in
    /// place (IN_CLOSE_WRITE) or through a temporary file renamed over it
    /// (IN_MOVED_TO). Foundation's writes may touch a file more than once.
    func save(_ path: String, _ text: String, byRename: Bool = false) {
        let target = byRename ? path + ".tmp" : path
        let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "open \(target)")
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        if byRename { precondition(rename(target, path) == 0, "rename \(target)") }
    }

    @Test func changesAreReportedOnceAfterTheQuietPeriod() throws {
        let dir = NSTemporaryDirectory() + "ppm-watch-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Existing files: a save in place is one event (IN_CLOSE_WRITE), a save by rename one (IN_MOVED_TO).
        for name in ["a.lua", "b.lua"] { try "0".write(toFile: dir + "/" + name, atomically: false, encoding: .utf8) }
        let queue = DispatchQueue(label: "watch-test")
        let clock = ManualScheduler()
        let calls = Calls()
        let watcher = try FileWatcher(queue: queue, scheduler: clock, debounce: 1) { calls.seen.append($0) }
        queue.sync { watcher.watch([dir + "/a.lua", dir + "/b.lua"]) }

        save(dir + "/a.lua", "1")
        #expect(waitForQuietPeriod(queue, clock, from: 0))
        queue.sync { clock.advance(0.9) }
        #expect(queue.sync { calls.seen.isEmpty })
        // A second save within the period starts it again.
        save(dir + "/b.lua", "2", byRename: true)
        #expect(waitForQuietPeriod(queue, clock, from: 0.5))
        queue.sync { clock.advance(0.9) }
        #expect(queue.sync { calls.seen.isEmpty })
        queue.sync { clock.advance(0.1) }
        #expect(queue.sync { calls.seen } == [[dir + "/a.lua", dir + "/b.lua"]])
        #expect(queue.sync { clock.pending.isEmpty })
        // A file not watched in the same folder arms nothing.
        save(dir + "/c.txt", "3")
        save(dir + "/a.lua", "4")
        #expect(waitForQuietPeriod(queue, clock, from: 0))
        queue.sync { clock.advance(1) }
        #expect(queue.sync { calls.seen.last } == [dir + "/a.lua"])
    }
}
