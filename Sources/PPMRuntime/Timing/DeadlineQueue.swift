/// Items ordered by when they are due, earliest first (then in the order
/// they were added): a binary min-heap. What no longer applies is left in
/// and skipped by its owner when it comes up, or dropped from the top with
/// `dropFirst(while:)`: removing costs no search. Inlinable: specialized
/// for its item type where it is used (a probe's timeout, a health check).
package struct DeadlineQueue<Item> {
    @usableFromInline
    struct Entry {
        @usableFromInline var due: Double
        /// The latest it may come up: `due` plus the lateness it allows.
        @usableFromInline var latest: Double
        @usableFromInline var serial: UInt64
        @usableFromInline var item: Item

        @inlinable
        init(due: Double, latest: Double, serial: UInt64, item: Item) {
            self.due = due
            self.latest = latest
            self.serial = serial
            self.item = item
        }
    }

    @usableFromInline var entries: [Entry] = []
    @usableFromInline var nextSerial: UInt64 = 0

    @inlinable
    package init() {}

    /// Items in the queue.
    @inlinable
    package var count: Int { entries.count }

    /// When the earliest item is due (nil: none).
    @inlinable
    package var earliest: Double? { entries.first?.due }

    /// The latest time the earliest item may come up (nil: none).
    @inlinable
    package var earliestLatest: Double? { entries.first?.latest }

    /// Adds `item`, due at `due` (monotonic seconds), which may come up to
    /// `leeway` seconds late.
    @inlinable
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
    @inlinable
    package mutating func popDue(at now: Double) -> Item? {
        guard let first = entries.first, first.due <= now else { return nil }
        return popFirst()
    }

    /// Drops the earliest items while `drop` says so (those that no longer apply).
    @inlinable
    package mutating func dropFirst(while drop: (Item) -> Bool) {
        while let first = entries.first, drop(first.item) { _ = popFirst() }
    }

    @inlinable
    mutating func popFirst() -> Item {
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

    @inlinable
    func before(_ a: Int, _ b: Int) -> Bool {
        entries[a].due < entries[b].due || (entries[a].due == entries[b].due && entries[a].serial < entries[b].serial)
    }
}
