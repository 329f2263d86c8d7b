/// Items ordered by when they are due, earliest first (then in the order
/// they were added): a binary min-heap. What no longer applies is left in
/// and skipped by its owner when it comes up, or dropped from the top with
/// `dropFirst(while:)`: removing costs no search. Not generic: its owners
/// downcast their items (a generic heap used across modules was not
/// specialized, and cost 3 % of the daemon's time with a thousand probes a second).
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
    /// `leeway` seconds late.
    package mutating func push(_ item: Item, due: Double, leeway: Double = 0) {
        nextSerial += 1
        entries.append(Entry(due: due, latest: due + max(0, leeway), serial: nextSerial, item: item))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(child, parent) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest item if it is due at `now`.
    package mutating func popDue(at now: Double) -> Item? {
        guard let first = entries.first, first.due <= now else { return nil }
        return popFirst()
    }

    /// Drops the earliest items while `drop` says so (those that no longer apply).
    package mutating func dropFirst(while drop: (Item) -> Bool) {
        while let first = entries.first, drop(first.item) { _ = popFirst() }
    }

    private mutating func popFirst() -> Item {
        let last = entries.removeLast()
        guard !entries.isEmpty else { return last.item }
        let first = entries[0].item
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var next = parent
            if left < entries.count && before(left, next) { next = left }
            if right < entries.count && before(right, next) { next = right }
            guard next != parent else { break }
            entries.swapAt(parent, next)
            parent = next
        }
        return first
    }

    private func before(_ a: Int, _ b: Int) -> Bool {
        entries[a].due < entries[b].due || (entries[a].due == entries[b].due && entries[a].serial < entries[b].serial)
    }
}
