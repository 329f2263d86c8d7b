import PPMMachine
import PPMMachineTesting
import Testing

@testable import PPMRuntime

/// Many deadlines on one timer of the scheduler (probe timeouts, health
/// checks due): each fires once, in order, never before its time.
@Suite struct DeadlineTimerTests {
    @Test func itemsFireInOrderAndNeverEarly() {
        let clock = ManualScheduler()
        let start = clock.now
        var fired: [(name: String, at: Double)] = []
        let timer = DeadlineTimer<String>(scheduler: clock) { fired.append(($0, clock.now - start)) }
        timer.add("c", at: start + 3)
        timer.add("a", at: start + 1)
        timer.add("b", at: start + 2)
        timer.add("a2", at: start + 1)  // same time: in the order added
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

    @Test func anEarlierItemMovesTheTimerAndItemsAddedWhileFiringWait() {
        let clock = ManualScheduler()
        let start = clock.now
        var fired: [String] = []
        var timer: DeadlineTimer<String>!
        timer = DeadlineTimer<String>(scheduler: clock) { name in
            fired.append(name)
            if name == "first" { timer.add("again", at: clock.now + 5) }
        }
        timer.add("late", at: start + 10)
        timer.add("first", at: start + 2)
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
        let timer = DeadlineTimer<Int>(scheduler: clock) { _ in }
        for i in 0..<5 { timer.add(i, at: clock.now + 1 + Double(i)) }
        timer.dropFirst { $0 < 3 }
        #expect(timer.count == 2)
    }
}
