import CSystem
import Dispatch
import Glibc
import PPMMachine
import PPMRuntime
import SystemCalls

/// Timers on the daemon's loop queue. Durations run on the monotonic clock
/// (a wall-clock step changes no runtime, uptime or backoff); wall time is
/// read only for the `time` and `utc` fields.
///
/// Every timer waits in one heap (`TimerHeap`) served by one timerfd, set
/// (a system call) only when the earliest deadline moves earlier, and
/// watched in an epoll set of its own (`ReadinessSet`). A Dispatch timer
/// source per timer cost a wake-up of libdispatch's manager thread to make
/// and another to cancel: a third of the daemon's time with a thousand
/// health checks a second. Without a timerfd (descriptors exhausted at
/// start) each timer falls back to a Dispatch timer source.
///
/// `schedule` may be called from any thread (the remote listener's times
/// its sessions); actions always run on the queue, each timer at most once.
final class DispatchScheduler: Scheduler, @unchecked Sendable {
    private let queue: DispatchQueue
    private let watcher: ReadinessSet
    private var timerFD: Int32
    /// Guards `heap` and `armed`.
    private let lock = PlainLock()
    private var heap = TimerHeap()
    /// The action of each pending timer, by serial (dropped when it is cancelled).
    private var actions: [UInt64: () -> Void] = [:]
    /// The deadline the timerfd is set to (nil: disarmed).
    private var armed: Double?
    /// While due actions run: the timerfd is set once they have, for the
    /// earliest timer then (those they schedule included), not at each.
    private var firing = false

    init(queue: DispatchQueue) {
        self.queue = queue
        watcher = ReadinessSet(queue: queue)
        timerFD = ppm_timerfd_create()
        if timerFD >= 0, !watcher.watch(timerFD, { [weak self] _ in self?.fire() }) {
            close(timerFD)
            timerFD = -1
        }
    }

    deinit {
        guard timerFD >= 0 else { return }
        watcher.forget(timerFD)
        close(timerFD)
    }

    var now: Double { SystemClock.monotonic() }

    var wallNow: Double { SystemClock.wall() }

    func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerToken {
        guard timerFD >= 0 else { return dispatchTimer(after: seconds, action) }
        let serial = Serial()
        let token = TimerToken { [weak self] in self?.cancel(serial.value) }
        let due = now + max(0, seconds)
        let leeway = Self.leeway(seconds)
        lock.run {
            serial.value = heap.push(due: due, leeway: leeway, token: token)
            actions[serial.value] = action
            if !firing, armed.map({ due + leeway < $0 }) ?? true { arm(at: due + leeway) }
        }
        return token
    }

    /// How late a timer of `seconds` may run: 1 % of its time, at most 5 ms
    /// (a timer due now: none). Timers whose windows overlap run in one
    /// wake-up of the loop: a thousand health checks a second wake it a few
    /// hundred times rather than a thousand.
    static func leeway(_ seconds: Double) -> Double { min(max(0, seconds) * 0.01, 0.005) }

    /// A timer's serial, known once it is in the heap.
    private final class Serial: @unchecked Sendable { var value: UInt64 = 0 }

    /// Forgets a cancelled timer's action at once (what it holds is freed now,
    /// not when its time would have come); its heap entry goes later.
    private func cancel(_ serial: UInt64) {
        let action = lock.run { () -> (() -> Void)? in
            heap.cancelled += 1
            return actions.removeValue(forKey: serial)
        }
        _ = action  // released here, outside the lock
    }

    /// The timerfd fired: runs what is due, in order, then sets it for the next.
    private func fire() {
        ppm_timerfd_clear(timerFD)
        let due = lock.run {
            let due = heap.popDue(at: now).compactMap { e in actions.removeValue(forKey: e.serial).map { (e.token, $0) } }
            armed = nil
            firing = true
            return due
        }
        // An action may cancel a timer due in the same batch: it does not run.
        for (token, action) in due where !token.isCancelled { action() }
        lock.run {
            firing = false
            if let next = heap.wakeTime() { arm(at: next) }
        }
    }

    /// Sets the timerfd to fire at `deadline` (monotonic seconds; at once if past).
    private func arm(at deadline: Double) {
        armed = deadline
        _ = ppm_timerfd_at(timerFD, deadline)
    }

    /// One Dispatch timer source for this timer (no timerfd could be made).
    private func dispatchTimer(after seconds: Double, _ action: @escaping () -> Void) -> TimerToken {
        let source = DispatchSource.makeTimerSource(queue: queue)
        let token = TimerToken { source.cancel() }
        source.schedule(deadline: .now() + max(0, seconds))
        source.setEventHandler { [queue] in
            source.cancel()
            guard !token.isCancelled else { return }
            LoopTurns.run(on: queue, action)
        }
        source.resume()
        return token
    }
}

/// A mutex for short critical sections that never wait inside.
final class PlainLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    func run<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
