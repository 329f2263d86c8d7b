import CSystem
import Dispatch
import Glibc
import LuaKit
import PPMRuntime

/// Descriptors watched in an epoll set of our own, seen through one Dispatch
/// source (or one `WorkerThread` watch) that lives as long as the set; on
/// the loop queue, seen by the main thread's own wait instead (`MainLoop`).
///
/// Short-lived descriptors (helper pipes, pidfds, control clients, UDP
/// listeners) must not get a Dispatch source each: sources made and
/// cancelled at that rate crashed the daemon now and then inside
/// libdispatch's epoll loop
/// (`scripts/repro/helper-crash.sh`). Here a descriptor leaves the set with
/// `forget` before its owner closes it, and nothing else is torn down.
/// Confined to `queue`: handlers run there, and every call must come from it
/// (or from the daemon's set-up, while `Daemon` holds its queue suspended,
/// and before the main loop runs). No confinement check here for that reason.
final class ReadinessSet: @unchecked Sendable {
    /// What a watched descriptor is ready for, or what it is watched for.
    struct Readiness: OptionSet, Sendable {
        let rawValue: Int32
        /// Input to read, the peer's end, or an error.
        static let readable = Readiness(rawValue: 1)
        /// Room to write (or an error a write will report).
        static let writable = Readiness(rawValue: 2)
        /// The peer is gone or the descriptor failed (reported whatever it
        /// is watched for; never asked for).
        static let hungUp = Readiness(rawValue: 4)
    }

    /// Where the handlers run, and the only queue that may call the set.
    let queue: any WorkQueue
    private var epollFD: Int32 = -1
    /// The Dispatch read source watching `epollFD` (sets on other queues).
    private var source: AnyObject?
    /// The set's token in the main thread's wait (sets on the loop queue).
    private var mainLoopToken: UInt64?
    private var handlers: [Int32: (Readiness) -> Void] = [:]
    /// What each watched descriptor is watched for now (no system call to
    /// set what is set already).
    private var interests: [Int32: Readiness] = [:]

    /// Whether the main thread's wait serves the set (`MainLoop`) rather than
    /// a Dispatch source or worker-thread watch.
    let onMainLoop: Bool

    /// An empty set on `queue`; the epoll descriptor is made at the first
    /// watch. `onMainLoop`: served by the main loop (default: when `queue`
    /// is the daemon's loop queue, which only the main thread drains; a
    /// Dispatch queue only).
    init(queue: any WorkQueue, onMainLoop: Bool? = nil) {
        self.queue = queue
        let dispatchQueue = queue as? DispatchQueue
        self.onMainLoop = dispatchQueue != nil && (onMainLoop ?? (dispatchQueue === LoopTurns.loop))
    }

    /// Calls `handler` on the queue whenever `fd` is ready for what it is
    /// watched for (`interest`: readable, writable or both; its end and
    /// errors are reported in any case), until `forget(fd)`. Watching a
    /// descriptor again replaces its handler and interest. False when the
    /// descriptor cannot be watched (a regular file, or no epoll set).
    @discardableResult
    func watch(_ fd: Int32, for interest: Readiness = .readable, _ handler: @escaping (Readiness) -> Void) -> Bool {
        let wanted = interest.intersection([.readable, .writable])
        if handlers[fd] == nil || interests[fd] != wanted {
            guard let set = epollSet(), ppm_epoll_set(set, fd, wanted.rawValue, handlers[fd] == nil ? 0 : 1) == 0 else { return false }
        }
        handlers[fd] = handler
        interests[fd] = wanted
        return true
    }

    /// Changes what a watched `fd` is watched for; false when it is not watched.
    @discardableResult
    func setInterest(_ fd: Int32, _ interest: Readiness) -> Bool {
        guard handlers[fd] != nil else { return false }
        let wanted = interest.intersection([.readable, .writable])
        guard interests[fd] != wanted else { return true }
        guard ppm_epoll_set(epollFD, fd, wanted.rawValue, 1) == 0 else { return false }
        interests[fd] = wanted
        return true
    }

    /// Stops watching `fd`; call before closing it.
    func forget(_ fd: Int32) {
        guard handlers.removeValue(forKey: fd) != nil else { return }
        interests[fd] = nil
        _ = ppm_epoll_del(epollFD, fd)
    }

    /// Stops watching `fd`, which its owner closes right after, without a
    /// system call: closing the last descriptor of a file takes it out of
    /// every epoll set. For descriptors only the daemon holds (sockets it
    /// made with `SOCK_CLOEXEC`: a child's descriptor table never keeps
    /// them, see `close_range` in spawn.c). Were a copy held somewhere
    /// still, its readiness would be reported under this number until that
    /// copy closes, to whoever watches the number then: every handler of a
    /// short-lived descriptor tolerates a readiness that is not there.
    func forgetClosing(_ fd: Int32) {
        guard handlers.removeValue(forKey: fd) != nil else { return }
        interests[fd] = nil
    }

    /// The set's epoll descriptor (-1 until the first watch).
    var descriptor: Int32 { epollFD }

    /// The number of descriptors watched now.
    var count: Int { handlers.count }

    private func epollSet() -> Int32? {
        if epollFD >= 0 { return epollFD }
        let fd = ppm_epoll_create()
        guard fd >= 0 else { return nil }
        if onMainLoop {
            // Served by the main thread's own wait (`MainLoop`), no Dispatch source.
            guard let token = MainLoop.add(self, fd: fd) else {
                close(fd)
                return nil
            }
            mainLoopToken = token
        } else {
            source = queue.onReadable(fd) { [weak self] in self?.dispatchReady() }
        }
        epollFD = fd
        return fd
    }

    deinit {
        readyFDs.deallocate()
        readyEvents.deallocate()
        guard let mainLoopToken else { return }
        MainLoop.remove(mainLoopToken, fd: epollFD)
        close(epollFD)
    }

    /// The main loop saw the set ready: its handlers run now, on the main
    /// thread, as one guarded turn of the loop queue.
    func serveOnMainThread() {
        guard let loop = queue as? DispatchQueue else { return }
        StallGuard.turn { LoopConfinement.serving(loop) { dispatchReady() } }
    }

    /// Runs the handler of each ready descriptor; one forgotten by an earlier
    /// handler in the same batch is skipped.
    private func dispatchReady() {
        let n = Int(max(0, ppm_epoll_ready(epollFD, readyFDs, readyEvents, Int32(Self.batch))))
        for i in 0..<n {
            handlers[readyFDs[i]]?(Readiness(rawValue: readyEvents[i]))
        }
    }

    /// The most descriptors one wait reports.
    private static let batch = 64
    /// Where a wait writes the ready descriptors and what they are ready
    /// for (made once: a wait allocates nothing). Only the set's queue
    /// reads them, one wait at a time.
    private let readyFDs = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
    private let readyEvents = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
}
