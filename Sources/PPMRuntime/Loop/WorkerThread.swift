import CSystem
import Dispatch
import Glibc

/// A thread of its own, made once, that runs work in the order given and
/// calls handlers when descriptors turn readable.
///
/// For work that must go on when no thread can be made (a pids limit used
/// up by the services): a Dispatch queue cannot promise that, since
/// libdispatch makes its worker threads on demand, lets them go after a few
/// idle seconds, and spins until `pthread_create` works when it needs one.
/// `@unchecked Sendable`: the shared state is behind `lock`.
package final class WorkerThread: WorkQueue, @unchecked Sendable {
    private let state: State

    /// Starts the thread, named `name` (15 characters are kept), at
    /// `niceness` (a positive value: the thread yields its core to the
    /// daemon's other threads, so the loop answers first while it works).
    /// If it cannot be made, work runs on the caller's thread instead.
    package init(name: String, niceness: Int32 = 0) {
        state = State()
        state.start(name: name, niceness: niceness)
    }

    deinit { state.stop() }

    /// Runs `work` on the thread, after what was asked before.
    package func perform(_ work: @escaping @Sendable () -> Void) {
        if !state.enqueue(work) { work() }
    }

    /// Runs `work` on the thread once `seconds` have passed, timed by the
    /// thread's own wait (no Dispatch timer: one asked for while the
    /// descriptor table is full never fires, even once descriptors are
    /// freed). Without a thread, `work` is dropped: nothing would run it.
    package func perform(after seconds: Double, _ work: @escaping @Sendable () -> Void) {
        state.enqueue(at: Self.monotonicNow() + max(0, seconds), work)
    }

    /// Seconds on the monotonic clock.
    static func monotonicNow() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Runs `work` on the thread and waits for it (at once when called there).
    package func performAndWait(_ work: @escaping @Sendable () -> Void) {
        if state.isCurrent || !state.running { return work() }
        let done = DispatchSemaphore(value: 0)
        perform {
            work()
            done.signal()
        }
        done.wait()
    }

    /// Calls `handler` on the thread whenever `fd` is readable (level
    /// triggered), until `forgetReadable(fd)`. The returned token is nil:
    /// the watch lasts until forgotten.
    @discardableResult
    package func onReadable(_ fd: Int32, _ handler: @escaping () -> Void) -> AnyObject? {
        state.watch(fd, handler)
        return nil
    }

    /// Stops calling the handler of `fd`; takes effect before the next wait.
    package func forgetReadable(_ fd: Int32) { state.watch(fd, nil) }

    /// Whether the caller runs on this thread.
    package var isCurrent: Bool { state.isCurrent }

    /// Whether the thread was made (else work runs on the caller's thread).
    package var isRunning: Bool { state.running }

    private final class State: @unchecked Sendable {
        private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        private var jobs: [@Sendable () -> Void] = []
        /// Jobs waiting for their time (monotonic seconds), in the order asked.
        private var timed: [(due: Double, work: @Sendable () -> Void)] = []
        private var handlers: [Int32: () -> Void] = [:]
        private var stopping = false
        /// The thread's wake-up eventfd (-1: none, no thread).
        private var wake: Int32 = ppm_wake_fd()
        private var thread = pthread_t()
        private(set) var running = false

        init() { pthread_mutex_init(lock, nil) }

        private var name = ""
        private var niceness: Int32 = 0

        func start(name: String, niceness: Int32) {
            guard wake >= 0 else { return }
            self.name = name
            self.niceness = niceness
            let context = Unmanaged.passRetained(self).toOpaque()
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
            let rc = pthread_create(
                &thread, &attr,
                { context in
                    let state = Unmanaged<State>.fromOpaque(context!).takeRetainedValue()
                    state.run()
                    return nil
                }, context)
            pthread_attr_destroy(&attr)
            guard rc == 0 else {
                // No thread (a pids limit): its eventfd would be left open for good.
                Unmanaged<State>.fromOpaque(context).release()
                close(wake)
                wake = -1
                return
            }
            running = true
        }

        var isCurrent: Bool { running && pthread_equal(pthread_self(), thread) != 0 }

        /// Wakes the thread only for the first job of a batch: the thread
        /// takes all queued jobs at once, so a job added to a non-empty
        /// queue is taken with the first, whose poke is still to be seen
        /// (one write less per journal line at thousands of exits).
        func enqueue(_ work: @escaping @Sendable () -> Void) -> Bool {
            guard running else { return false }
            let first = locked { () -> Bool in
                jobs.append(work)
                return jobs.count == 1
            }
            if first { poke() }
            return true
        }

        /// Adds a job for `due`; the thread's next wait ends by then.
        func enqueue(at due: Double, _ work: @escaping @Sendable () -> Void) {
            guard running else { return }
            locked { timed.append((due, work)) }
            poke()
        }

        func watch(_ fd: Int32, _ handler: (() -> Void)?) {
            locked { handlers[fd] = handler }
            poke()
        }

        func stop() {
            locked { stopping = true }
            poke()
        }

        private func poke() {
            guard wake >= 0 else { return }
            var one: UInt64 = 1
            _ = write(wake, &one, 8)
        }

        private func locked<T>(_ body: () -> T) -> T {
            pthread_mutex_lock(lock)
            defer { pthread_mutex_unlock(lock) }
            return body()
        }

        private func run() {
            ppm_name_thread(name)
            if niceness != 0 { _ = ppm_nice_thread(niceness) }
            while true {
                let now = WorkerThread.monotonicNow()
                let (work, watched, stop, next) = locked {
                    () -> ([@Sendable () -> Void], [Int32: () -> Void], Bool, Double?) in
                    defer { jobs = [] }
                    let due = timed.filter { $0.due <= now }.map(\.work)
                    if !due.isEmpty { timed.removeAll { $0.due <= now } }
                    return (jobs + due, handlers, stopping, timed.map(\.due).min())
                }
                for job in work { job() }
                if stop && work.isEmpty { break }
                if !work.isEmpty { continue }
                var fds = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
                fds += watched.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                // Until the next timed job (rounded up: never a busy wait for it).
                let timeout = next.map { Int32(min(86_400_000, max(0, (($0 - now) * 1000).rounded(.up)))) } ?? -1
                guard poll(&fds, nfds_t(fds.count), timeout) > 0 else { continue }
                if fds[0].revents != 0 {
                    var count: UInt64 = 0
                    _ = read(wake, &count, 8)
                }
                for p in fds.dropFirst() where p.revents != 0 {
                    // Forgotten meanwhile: skipped.
                    if let handler = locked({ handlers[p.fd] }) { handler() }
                }
            }
            close(wake)
        }
    }
}
