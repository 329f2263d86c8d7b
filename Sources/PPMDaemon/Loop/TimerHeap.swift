import PPMMachine
import PPMRuntime

/// The pending timers of `DispatchScheduler`, earliest first, in a
/// `DeadlineQueue` ordered by due time, then by the order they were
/// scheduled. Cancelled timers stay in it until they come up (or a
/// compaction drops them): cancelling costs no search. It holds no action:
/// the scheduler keeps those by serial and drops one as soon as it is cancelled.
struct TimerHeap {
    /// One timer that came up.
    struct Entry {
        /// Breaks ties: timers due at the same time fire in the order they were scheduled.
        var serial: UInt64
        var token: TimerToken
    }

    private var queue = DeadlineQueue()
    /// Cancelled timers still in the heap (an estimate: a timer cancelled after it fired counts too).
    var cancelled = 0

    /// Timers in the heap, cancelled ones included.
    var count: Int { queue.count }

    /// When the earliest timer is due (nil: none pending).
    var earliest: Double? { queue.earliest }

    /// Adds a timer, which may run up to `leeway` seconds late; returns its serial.
    @discardableResult
    mutating func push(due: Double, leeway: Double = 0, token: TimerToken) -> UInt64 {
        let serial = queue.push(token, due: due, leeway: leeway)
        if cancelled > 256 && cancelled * 2 > queue.count {
            queue.removeAll { Self.token($0).isCancelled }
            cancelled = 0
        }
        return serial
    }

    /// When the loop must wake next: the earliest `latest` (due plus
    /// leeway) of the pending timers, so that the loop wakes once for the
    /// timers whose times overlap (nil: none pending).
    func wakeTime() -> Double? { queue.earliestLatest { Self.token($0).isCancelled } }

    /// Removes and returns the timers due at `now` or before, earliest first,
    /// cancelled ones left out.
    mutating func popDue(at now: Double) -> [Entry] {
        var due: [Entry] = []
        while let (item, serial) = queue.popDueWithSerial(at: now) {
            let token = Self.token(item)
            if token.isCancelled { cancelled = max(0, cancelled - 1) } else { due.append(Entry(serial: serial, token: token)) }
        }
        // A cancelled timer at the top would only wake the loop for nothing.
        queue.dropFirst { item in
            guard Self.token(item).isCancelled else { return false }
            cancelled = max(0, cancelled - 1)
            return true
        }
        return due
    }

    /// Every item is a token (only `push` adds them).
    private static func token(_ item: DeadlineQueue.Item) -> TimerToken { unsafeDowncast(item, to: TimerToken.self) }
}
