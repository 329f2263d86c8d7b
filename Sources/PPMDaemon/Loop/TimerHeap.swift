import PPMMachine

/// The pending timers of `DispatchScheduler`, earliest first: a binary
/// min-heap ordered by due time, then by the order they were scheduled.
/// Cancelled timers stay in the heap until they come up (or a compaction
/// drops them): cancelling costs no search. The heap holds no action: the
/// scheduler keeps those by serial and drops one as soon as it is cancelled.
struct TimerHeap {
    /// One pending timer.
    struct Entry {
        /// When it is due, in monotonic seconds.
        var due: Double
        /// The latest it may run (`due` plus its leeway): the loop wakes
        /// once for the timers whose times overlap.
        var latest: Double
        /// Breaks ties: timers due at the same time fire in the order they were scheduled.
        var serial: UInt64
        var token: TimerToken
    }

    private var entries: [Entry] = []
    private var nextSerial: UInt64 = 0
    /// Cancelled timers still in the heap (an estimate: a timer cancelled after it fired counts too).
    var cancelled = 0

    /// Timers in the heap, cancelled ones included.
    var count: Int { entries.count }

    /// When the earliest timer is due (nil: none pending).
    var earliest: Double? { entries.first?.due }

    /// Adds a timer; returns its serial.
    @discardableResult
    mutating func push(due: Double, leeway: Double = 0, token: TimerToken) -> UInt64 {
        nextSerial += 1
        entries.append(Entry(due: due, latest: due + max(0, leeway), serial: nextSerial, token: token))
        siftUp(entries.count - 1)
        if cancelled > 256 && cancelled * 2 > entries.count { compact() }
        return nextSerial
    }

    /// When the loop must wake next: the earliest `latest` of the pending
    /// timers (nil: none pending). Only timers due before that can have an
    /// earlier one, and a heap finds those without looking at the others.
    func wakeTime() -> Double? {
        guard !entries.isEmpty else { return nil }
        var best = Double.infinity
        lowerWake(0, &best)
        return best.isFinite ? best : entries[0].latest
    }

    private func lowerWake(_ i: Int, _ best: inout Double) {
        guard i < entries.count, entries[i].due < best else { return }
        if !entries[i].token.isCancelled { best = min(best, entries[i].latest) }
        lowerWake(2 * i + 1, &best)
        lowerWake(2 * i + 2, &best)
    }

    /// Removes and returns the timers due at `now` or before, earliest first,
    /// cancelled ones left out.
    mutating func popDue(at now: Double) -> [Entry] {
        var due: [Entry] = []
        while let first = entries.first, first.due <= now {
            let entry = popFirst()
            if entry.token.isCancelled { cancelled = max(0, cancelled - 1) } else { due.append(entry) }
        }
        // A cancelled timer at the top would only wake the loop for nothing.
        while let first = entries.first, first.token.isCancelled {
            _ = popFirst()
            cancelled = max(0, cancelled - 1)
        }
        return due
    }

    private mutating func popFirst() -> Entry {
        let first = entries[0]
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(0)
        }
        return first
    }

    /// Drops every cancelled timer and rebuilds the heap.
    private mutating func compact() {
        entries.removeAll { $0.token.isCancelled }
        cancelled = 0
        guard entries.count > 1 else { return }
        for i in stride(from: entries.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    }

    private func before(_ a: Int, _ b: Int) -> Bool {
        entries[a].due < entries[b].due || (entries[a].due == entries[b].due && entries[a].serial < entries[b].serial)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(child, parent) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < entries.count && before(left, first) { first = left }
            if right < entries.count && before(right, first) { first = right }
            guard first != parent else { return }
            entries.swapAt(parent, first)
            parent = first
        }
    }
}
