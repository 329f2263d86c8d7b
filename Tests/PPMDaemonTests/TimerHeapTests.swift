import Dispatch
import Foundation
import PPMMachine
import Testing

@testable import PPMDaemon

/// The scheduler's timers: one heap behind one timerfd, in due order,
/// cancelled ones never run, scheduling from another thread is safe.
@Suite struct TimerHeapTests {
    @Test func dueTimersComeOutEarliestFirstAndInScheduleOrderOnTies() {
        var heap = TimerHeap()
        var index: [UInt64: Int] = [:]
        for (i, due) in [5.0, 1.0, 3.0, 1.0, 2.0].enumerated() { index[heap.push(due: due, token: TimerToken())] = i }
        #expect(heap.popDue(at: 2.5).map { index[$0.serial]! } == [1, 3, 4])
        #expect(heap.earliest == 3)
        #expect(heap.popDue(at: 10).map { index[$0.serial]! } == [2, 0] && heap.count == 0)
    }

    @Test func cancelledTimersAreLeftOutAndDroppedFromTheTop() {
        var heap = TimerHeap()
        let early = TimerToken()
        let late = TimerToken()
        heap.push(due: 1, token: early)
        heap.push(due: 2, token: late)
        early.cancel()
        #expect(heap.popDue(at: 0.5).isEmpty)
        // popDue also drops a cancelled timer waiting at the top.
        #expect(heap.earliest == 2 && heap.count == 1)
        #expect(heap.popDue(at: 3).count == 1)
    }

    @Test func manyCancelledTimersAreCompactedAway() {
        var heap = TimerHeap()
        for i in 0..<1000 {
            let token = TimerToken()
            heap.push(due: Double(1000 + i), token: token)
            token.cancel()
            heap.cancelled += 1
        }
        #expect(heap.count < 600)
    }

    @Test func theSchedulerRunsTimersOnItsQueueInOrderAndNeverACancelledOne() {
        let queue = DispatchQueue(label: "timer-heap-tests")
        let scheduler = DispatchScheduler(queue: queue)
        let done = DispatchSemaphore(value: 0)
        final class Box: @unchecked Sendable { var order: [Int] = [] }
        let box = Box()
        var tokens: [TimerToken] = []
        queue.sync {
            for (i, delay) in [0.06, 0.02, 0.04].enumerated() {
                tokens.append(
                    scheduler.schedule(after: delay) {
                        dispatchPrecondition(condition: .onQueue(queue))
                        box.order.append(i)
                    })
            }
            tokens.append(scheduler.schedule(after: 0.03) { box.order.append(99) })
            tokens[3].cancel()
        }
        // From another thread, as the remote listener does.
        DispatchQueue.global().async { _ = scheduler.schedule(after: 0.08) { done.signal() } }
        #expect(done.wait(timeout: .now() + 10) == .success)
        queue.sync { #expect(box.order == [1, 2, 0]) }
    }
}
