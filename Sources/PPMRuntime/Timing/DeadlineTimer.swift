package import PPMMachine

/// The deadlines of many items served by one timer of a `Scheduler`: it
/// waits for the earliest only, and moves only when an earlier one comes.
/// A thousand health checks a second (and as many probe timeouts) cost a
/// heap entry each rather than a timer made and cancelled each.
///
/// `fire` gets each item once its time has come, never before, earliest
/// first. An item that no longer applies is its owner's to skip when it
/// comes up (or to drop from the front with `dropFirst(while:)`).
/// Confined to the scheduler's loop.
package final class DeadlineTimer<Item> {
    private let scheduler: Scheduler
    private let fire: (Item) -> Void
    private var queue = DeadlineQueue<Item>()
    /// The scheduler's timer, and when it is due (infinity: none armed).
    private var token: TimerToken?
    private var armedAt = Double.infinity

    /// An empty list on `scheduler`; `fire` runs on its loop.
    package init(scheduler: Scheduler, fire: @escaping (Item) -> Void) {
        self.scheduler = scheduler
        self.fire = fire
    }

    /// Items waiting (those that no longer apply included, until they come up).
    package var count: Int { queue.count }

    /// `item` is due at `due` (monotonic seconds of the scheduler).
    package func add(_ item: Item, at due: Double) {
        queue.push(item, due: due)
        if due < armedAt { arm(due) }
    }

    /// Drops the earliest items while `drop` says they no longer apply.
    package func dropFirst(while drop: (Item) -> Bool) { queue.dropFirst(while: drop) }

    private func arm(_ due: Double) {
        token?.cancel()
        armedAt = due
        token = scheduler.schedule(after: max(0, due - scheduler.now)) { [weak self] in self?.fired() }
    }

    private func fired() {
        token = nil
        armedAt = .infinity
        // What `fire` adds meanwhile arms the timer itself (nothing is armed now).
        let now = scheduler.now
        while let item = queue.popDue(at: now) { fire(item) }
        if let next = queue.earliest, next < armedAt { arm(next) }
    }
}
