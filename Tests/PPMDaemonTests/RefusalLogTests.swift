import Testing

@testable import PPMDaemon

@Suite struct RefusalLogTests {
    func refusal(_ address: String) -> RemoteListener.Refusal { .init(address: address, reason: "tls handshake failed") }

    @Test func aFloodFromOneNetworkBecomesOneLine() {
        var log = RefusalLog()
        let admitted = (0..<2000).filter { log.admit(refusal("203.0.113.\($0 % 200)"), now: 10 + Double($0) / 1000) }
        #expect(admitted.count == log.perNetwork)
        #expect(log.flush(now: 69).isEmpty, "the window is not over")
        let summary = log.flush(now: 70)
        #expect(summary.map(\.reason) == ["1995 refusals from 203.0.113.0/24 in 60 s"])
        #expect(summary.first?.address == "203.0.113.0/24" && summary.first?.count == 1995)
        #expect(log.windowEnd == nil)
        let again = log.admit(refusal("203.0.113.1"), now: 71)
        #expect(again, "a new window journals again")
    }

    @Test func manyNetworksShareTheJournalsShare() {
        var log = RefusalLog()
        var admitted = 0
        for net in 0..<30 {
            for host in 0..<3 where log.admit(refusal("2001:db8:0:\(net)::\(host + 1)"), now: 0) { admitted += 1 }
        }
        #expect(admitted == log.overall)
        let summary = log.flush(now: 60)
        #expect(summary.count == log.summaries + 1)
        #expect(summary.last?.reason.hasSuffix("other networks in 60 s") == true)
        let counted = summary.reduce(0) { total, line in total + (line.count ?? 0) }
        #expect(counted == 90 - log.overall)
        #expect(RefusalLog.network(of: "2001:db8:0:7::2") == "2001:db8:0:7::/64")
    }
}

@Suite struct NetworkThrottleTests {
    @Test func aNetworkThatKeepsFailingWaitsAsAWhole() {
        var throttle = FailureThrottle()
        // Each failure from a new address of 198.51.100.0/24.
        for i in 0..<throttle.networkAllowance { throttle.failed([198, 51, 100, UInt8(i)], now: 100) }
        #expect(throttle.slot(for: [198, 51, 100, 200], now: 100) == 100, "within the network's allowance")
        throttle.failed([198, 51, 100, 200], now: 100)
        #expect(throttle.networkFailures(of: [198, 51, 100, 201]) == throttle.networkAllowance + 1)
        #expect(throttle.slot(for: [198, 51, 100, 201], now: 100) == 100.5, "a fresh address of the network waits its turn")
        #expect(throttle.slot(for: [198, 51, 101, 1], now: 100) == 100, "the next /24 does not")
        throttle.succeeded([198, 51, 100, 201])
        #expect(throttle.slot(for: [198, 51, 100, 202], now: 100) == 100)
    }
}
