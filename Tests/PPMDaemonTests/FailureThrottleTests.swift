import Foundation
import Testing

@testable import PPMDaemon

@Suite struct FailureThrottleTests {
    let address: [UInt8] = [10, 0, 0, 7]

    @Test func delaysDoubleFromHalfASecondUpToThirtySeconds() {
        let throttle = FailureThrottle()
        #expect((0...8).map { throttle.delay(afterFailures: $0) } == [0, 0.5, 1, 2, 4, 8, 16, 30, 30])
        #expect(throttle.delay(afterFailures: 500) == 30)
    }

    @Test func attemptsInParallelAreSpacedOut() {
        var throttle = FailureThrottle()
        #expect(throttle.slot(for: address, now: 100) == 100, "no failure yet: judged at once")
        throttle.failed(address, now: 100)
        // Three attempts arrive together: each waits a further delay.
        #expect(throttle.slot(for: address, now: 100.1) == 100.5)
        #expect(throttle.slot(for: address, now: 100.1) == 101.0)
        #expect(throttle.slot(for: address, now: 100.1) == 101.5)
        throttle.failed(address, now: 100.5)
        #expect(throttle.failures(of: address) == 2)
        #expect(throttle.slot(for: address, now: 100.6) == 102.0, "after the turns already given out")
        #expect(throttle.slot(for: address, now: 100.6) == 103.0, "two failures in a row: a second between turns")
        #expect(throttle.slot(for: [10, 0, 0, 8], now: 100.6) == 100.6, "other addresses are not slowed")
    }

    @Test func successOrAQuarterHourForgets() {
        var throttle = FailureThrottle()
        for t in 0..<5 { throttle.failed(address, now: Double(t)) }
        throttle.succeeded(address)
        #expect(throttle.slot(for: address, now: 5) == 5)
        for t in 0..<5 { throttle.failed(address, now: Double(t)) }
        #expect(throttle.slot(for: address, now: 4 + 901) == 905)
        throttle.failed(address, now: 906)
        #expect(throttle.failures(of: address) == 1)
    }

    @Test func remembersABoundedNumberOfAddresses() {
        var throttle = FailureThrottle()
        for i in 0..<(throttle.capacity + 100) {
            throttle.failed([10, UInt8(i >> 16 & 255), UInt8(i >> 8 & 255), UInt8(i & 255)], now: Double(i))
        }
        #expect(throttle.failures(of: [10, 0, 0, 0]) == 0, "the oldest went first")
        let last = throttle.capacity + 99
        #expect(throttle.failures(of: [10, UInt8(last >> 16 & 255), UInt8(last >> 8 & 255), UInt8(last & 255)]) == 1)
    }
}
