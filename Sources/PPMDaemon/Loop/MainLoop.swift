import CSystem
import Dispatch
import LuaKit
import PPMRuntime

/// The main thread's loop (`ppm_run_main_queue`, Sources/CSystem/mainqueue.c):
/// one epoll wait on the main queue's eventfd and on the epoll set of each
/// `ReadinessSet` of the loop queue, whose ready descriptors it serves on
/// the main thread itself, each batch as a guarded turn. A Dispatch read
/// source per set cost a wake-up of libdispatch's manager thread, then of
/// the main thread through the main queue, for every readiness: most of
/// the daemon's time with a thousand health checks a second.
enum MainLoop {
    /// A set served here, held weakly (it leaves with `remove` in its deinit).
    private struct Entry {
        weak var set: ReadinessSet?
    }

    /// Guards `entries` and `lastToken` (sets may be made on other threads).
    private static let lock = PlainLock()
    nonisolated(unsafe) private static var entries: [UInt64: Entry] = [:]
    nonisolated(unsafe) private static var lastToken: UInt64 = 0

    /// Adds `set`'s epoll descriptor `fd` to the main thread's wait; its
    /// token, nil when it cannot be added.
    static func add(_ set: ReadinessSet, fd: Int32) -> UInt64? {
        let token = lock.run { () -> UInt64 in
            lastToken += 1
            entries[lastToken] = Entry(set: set)
            return lastToken
        }
        guard ppm_main_loop_watch(fd, token) == 0 else {
            lock.run { entries[token] = nil }
            return nil
        }
        return token
    }

    /// Removes the set of `token` (epoll descriptor `fd`) from the wait.
    static func remove(_ token: UInt64, fd: Int32) {
        _ = ppm_main_loop_forget(fd)
        lock.run { entries[token] = nil }
    }

    /// Serves the set of `token` (ready), on the main thread.
    private static let serve: @convention(c) (UInt64) -> Void = { token in
        MainLoop.lock.run { MainLoop.entries[token]?.set }?.serveOnMainThread()
    }

    /// Runs the loop on the main thread, forever; before each wait the
    /// stall guard's timer goes off when nothing runs (no wake-up when idle).
    static func run() -> Never {
        ppm_main_loop_on_idle(StallGuard.idle)
        ppm_run_main_queue(serve)
    }

    /// One turn of the loop that serves its sets but leaves the main queue
    /// alone, waiting up to `timeout` seconds (tests, on any thread); the count
    /// of ready descriptors.
    @discardableResult
    static func serveSets(timeout: Double) -> Int { Int(ppm_main_loop_turn(serve, Int32(max(0, timeout) * 1000), 0)) }
}
