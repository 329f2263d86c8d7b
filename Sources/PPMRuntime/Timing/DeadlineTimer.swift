package import PPMMachine

/// The deadlines of many items served by one timer of a `Scheduler`: it
/// waits for the earliest only, and moves only when an earlier one comes.
/// A thousand health checks a second (and as many probe timeouts) cost a
/// heap entry each rather than a timer made and cancelled each.
///
/// `fire` gets each item once its time has come, never before, earliest
/// first; an item added with a leeway may come up that much late, so that
/// items due close together share one wake-up of the loop. An item that no
/// longer applies is its owner's to skip when it comes up (or to drop from
/// the front with `dropFirst(while:)`). Confined to the scheduler's loop.
package final class DeadlineTimer {
    /// What is due: an object of the owner, who downcasts it (`unsafeDowncast`).
    package typealias Item = AnyObject

    private let scheduler: Scheduler
    private let fire: (Item) -> Void
    private var queue = DeadlineQueue()
    /// The scheduler's timer, and when it is due (infinity: none armed).
    private var token: TimerToken?
    private var armedAt = Double.infinity

    /// An empty list on `scheduler`; `fire` runs on its loop.
    package init(scheduler: Scheduler, fire: @escaping (Item) -> Void) {
        self.scheduler = scheduler
        self.fire = fire
    }

    /// How late something due in `seconds` may come up: 1 % of its time,
    /// at most 5 ms (the rule of the loop's own timers).
    package static func leeway(_ seconds: Double) -> Double { min(max(0, seconds) * 0.01, 0.005) }

    /// Items waiting (those that no longer apply included, until they come up).
    package var count: Int { queue.count }

    /// `item` is due at `due` (monotonic seconds of the scheduler), and may
    /// come up to `leeway` seconds late.
    package func add(_ item: Item, at due: Double, leeway: Double = 0) {
        queue.push(item, due: due, leeway: leeway)
        let latest = due + max(0, leeway)
        if latest < armedAt { arm(latest) }
    }

    /// Drops the earliest items while `drop` says they no longer apply.
    package func dropFirst(while drop: (Item) -> Bool) { queue.dropFirst(while: drop) }

    private func arm(_ at: Double) {
        token?.cancel()
        armedAt = at
        token = scheduler.schedule(after: max(0, at - scheduler.now)) { [weak self] in self?.fired() }
    }

    /// The most items one firing hands out; the rest come up on the loop's
    /// next turn, after what else waits there (a `status` request). Items due
    /// together (the health checks of a boot batch, started in one turn, stay
    /// in step) would otherwise hold the loop for their whole batch: 100
    /// `http` checks took 9-10 ms, the `status` p99 of `bench/health/run`.
    package static let perFiring = 16

    private func fired() {
        token = nil
        armedAt = .infinity
        // What `fire` adds meanwhile arms the timer itself (nothing is armed now).
        let now = scheduler.now
        var handedOut = 0
        while handedOut < Self.perFiring, let item = queue.popDue(at: now) {
            fire(item)
            handedOut += 1
        }
        if handedOut == Self.perFiring, let next = queue.earliest, next <= now { return arm(now) }
        if let next = queue.earliestLatest, next < armedAt { arm(next) }
    }
}
