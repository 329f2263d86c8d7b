import PPMMachine
import PPMMachineTesting
import Testing

@testable import PPMRuntime

/// Many deadlines on one timer of the scheduler (probe timeouts, health
/// checks due): each fires once, in order, never before its time.
@Suite struct DeadlineTimerTests {
    /// An item: a name.
    final class Named {
        let name: String
        init(_ name: String) { self.name = name }
    }

    @Test func itemsFireInOrderAndNeverEarly() {
        let clock = ManualScheduler()
        let start = clock.now
        var fired: [(name: String, at: Double)] = []
        let timer = DeadlineTimer(scheduler: clock) { fired.append((($0 as! Named).name, clock.now - start)) }
        timer.add(Named("c"), at: start + 3)
        timer.add(Named("a"), at: start + 1)
        timer.add(Named("b"), at: start + 2)
        timer.add(Named("a2"), at: start + 1)  // same time: in the order added
        #expect(clock.pending == [1])  // one timer, for the earliest
        clock.advance(0.999)
        #expect(fired.isEmpty)
        clock.advance(0.001)
        #expect(fired.map(\.name) == ["a", "a2"])
        clock.advance(1.5)
        #expect(fired.map(\.name) == ["a", "a2", "b"])
        clock.advance(10)
        #expect(fired.map(\.name) == ["a", "a2", "b", "c"])
        for (name, at) in fired { #expect(at >= ["a": 1, "a2": 1, "b": 2, "c": 3][name]!) }
        #expect(clock.pending.isEmpty && timer.count == 0)
    }

    /// Items due together come up at most `perFiring` at a time: what else
    /// waits on the loop (here an action scheduled meanwhile, as a `status`
    /// request is) runs between, before the rest of them.
    @Test func manyItemsDueTogetherLeaveTheLoopBetweenFirings() {
        let clock = ManualScheduler()
        let start = clock.now
        var order: [String] = []
        let timer = DeadlineTimer(scheduler: clock) { item in
            let name = (item as! Named).name
            if name == "0" { _ = clock.schedule(after: 0) { order.append("other") } }
            order.append(name)
        }
        for i in 0..<40 { timer.add(Named("\(i)"), at: start + 1) }
        clock.advance(1)
        let limit = DeadlineTimer.perFiring
        #expect(order.count == 41)
        #expect(order.firstIndex(of: "other") == limit, "\(order)")
        #expect(order.filter { $0 != "other" } == (0..<40).map { "\($0)" })
        #expect(clock.pending.isEmpty && timer.count == 0)
    }

    /// An item may come up as late as its leeway, so that items due close
    /// together share one wake-up; never before it is due.
    @Test func itemsWithALeewayShareAWakeUp() {
        let clock = ManualScheduler()
        let start = clock.now
        var fired: [String] = []
        let timer = DeadlineTimer(scheduler: clock) { fired.append(($0 as! Named).name) }
        timer.add(Named("a"), at: start + 1, leeway: 0.005)
        timer.add(Named("b"), at: start + 1.003, leeway: 0.005)
        timer.add(Named("c"), at: start + 1.2, leeway: 0.005)
        #expect(clock.pending.count == 1 && abs(clock.pending[0] - 1.005) < 1e-6)
        clock.advance(1.005)
        #expect(fired == ["a", "b"])
        clock.advance(0.19)
        #expect(fired == ["a", "b"])
        clock.advance(0.01)
        #expect(fired == ["a", "b", "c"])
    }

    @Test func anEarlierItemMovesTheTimerAndItemsAddedWhileFiringWait() {
        let clock = ManualScheduler()
        let start = clock.now
        var fired: [String] = []
        var timer: DeadlineTimer!
        timer = DeadlineTimer(scheduler: clock) { item in
            let name = (item as! Named).name
            fired.append(name)
            if name == "first" { timer.add(Named("again"), at: clock.now + 5) }
        }
        timer.add(Named("late"), at: start + 10)
        timer.add(Named("first"), at: start + 2)
        #expect(clock.pending == [2])
        clock.advance(2)
        #expect(fired == ["first"] && clock.pending == [5])
        clock.advance(5)
        #expect(fired == ["first", "again"] && clock.pending == [3])
        clock.advance(3)
        #expect(fired == ["first", "again", "late"])
    }

    @Test func itemsOverLeaveFromTheFront() {
        let clock = ManualScheduler()
        let timer = DeadlineTimer(scheduler: clock) { _ in }
        for i in 0..<5 { timer.add(Named("\(i)"), at: clock.now + 1 + Double(i)) }
        timer.dropFirst { Int(($0 as! Named).name)! < 3 }
        #expect(timer.count == 2)
    }
}
