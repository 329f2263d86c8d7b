/// Items ordered by when they are due, earliest first (then in the order
/// they were added): a binary min-heap. What no longer applies is left in
/// and skipped by its owner when it comes up, or dropped from the top with
/// `dropFirst(while:)`: removing costs no search. Not generic: its owners
/// downcast their items (a generic heap used across modules was not
/// specialized, and cost 3 % of the daemon's time with a thousand probes a
/// second). The loop's timers (`TimerHeap`) and the health checks'
/// deadlines (`DeadlineTimer`) both wait in one.
package struct DeadlineQueue {
    /// What is due: an object of its owner (a probe, a service's checks).
    package typealias Item = AnyObject

    private struct Entry {
        var due: Double
        /// The latest it may come up: `due` plus the lateness it allows.
        var latest: Double
        var serial: UInt64
        var item: Item
    }

    private var entries: [Entry] = []
    private var nextSerial: UInt64 = 0

    package init() {}

    /// Items in the queue.
    package var count: Int { entries.count }

    /// When the earliest item is due (nil: none).
    package var earliest: Double? { entries.first?.due }

    /// The latest time the earliest item may come up (nil: none).
    package var earliestLatest: Double? { entries.first?.latest }

    /// Adds `item`, due at `due` (monotonic seconds), which may come up to
    /// `leeway` seconds late; its serial (items due together come up in
    /// the order of their serials).
    @discardableResult
    package mutating func push(_ item: Item, due: Double, leeway: Double = 0) -> UInt64 {
        nextSerial += 1
        entries.append(Entry(due: due, latest: due + max(0, leeway), serial: nextSerial, item: item))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(child, parent) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
        return nextSerial
    }

    /// Removes and returns the earliest item if it is due at `now`.
    package mutating func popDue(at now: Double) -> Item? { popDueWithSerial(at: now)?.item }

    /// Removes and returns the earliest item, with its serial, if it is due at `now`.
    package mutating func popDueWithSerial(at now: Double) -> (item: Item, serial: UInt64)? {
        guard let first = entries.first, first.due <= now else { return nil }
        popFirst()
        return (first.item, first.serial)
    }

    /// Drops the earliest items while `drop` says so (those that no longer apply).
    package mutating func dropFirst(while drop: (Item) -> Bool) {
        while let first = entries.first, drop(first.item) { popFirst() }
    }

    /// Drops every item `drop` says no longer applies, wherever it is.
    package mutating func removeAll(where drop: (Item) -> Bool) {
        entries.removeAll { drop($0.item) }
        guard entries.count > 1 else { return }
        for i in stride(from: entries.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    }

    /// The earliest `latest` among the items `skip` does not leave out (nil:
    /// none; the head's when all are left out). Only items due before the
    /// best found so far can have an earlier one, and a heap finds those
    /// without looking at the others.
    package func earliestLatest(skipping skip: (Item) -> Bool) -> Double? {
        guard !entries.isEmpty else { return nil }
        var best = Double.infinity
        lowerLatest(0, &best, skip)
        return best.isFinite ? best : entries[0].latest
    }

    private func lowerLatest(_ i: Int, _ best: inout Double, _ skip: (Item) -> Bool) {
        guard i < entries.count, entries[i].due < best else { return }
        if !skip(entries[i].item) { best = min(best, entries[i].latest) }
        lowerLatest(2 * i + 1, &best, skip)
        lowerLatest(2 * i + 2, &best, skip)
    }

    private mutating func popFirst() {
        let last = entries.removeLast()
        guard !entries.isEmpty else { return }
        entries[0] = last
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var next = parent
            if left < entries.count && before(left, next) { next = left }
            if right < entries.count && before(right, next) { next = right }
            guard next != parent else { return }
            entries.swapAt(parent, next)
            parent = next
        }
    }

    private func before(_ a: Int, _ b: Int) -> Bool {
        entries[a].due < entries[b].due || (entries[a].due == entries[b].due && entries[a].serial < entries[b].serial)
    }
}
