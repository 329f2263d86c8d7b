import Testing

@testable import PPMDaemon

@Suite struct NotifyMessageTests {
    func parse(_ text: String) -> [NotifyMessage] { NotifyMessage.parse(Array(text.utf8)) }

    @Test func everyKeyOfTheProtocolIsTyped() {
        let text =
            "READY=1\nSTATUS=Processing requests\nRELOADING=1\nMONOTONIC_USEC=12345\nSTOPPING=1\nWATCHDOG=1\n"
            + "WATCHDOG=trigger\nWATCHDOG_USEC=3000000\nEXTEND_TIMEOUT_USEC=5000000\nMAINPID=4242\nERRNO=2\nBARRIER=1\n"
        #expect(
            parse(text) == [
                .ready, .status("Processing requests"), .reloading(monotonicMicroseconds: 12345), .stopping, .watchdog,
                .watchdogTrigger, .watchdogInterval(microseconds: 3_000_000), .extendTimeout(microseconds: 5_000_000),
                .mainPID(4242), .errno(2), .barrier,
            ])
    }

    @Test func unknownKeysAndBadValuesAreSkipped() {
        #expect(parse("FDSTORE=1\nREADY=0\nREADY=yes\nMAINPID=0\nMAINPID=-3\nMAINPID=99999999999\nERRNO=x\nWATCHDOG=2\nSTOPPING=true") == [])
        #expect(parse("no equals sign\n=1\nEXTEND_TIMEOUT_USEC= 5\nREADY=1") == [.ready])
        // A RELOADING=1 without MONOTONIC_USEC (a Type=notify service) is still a reload.
        #expect(parse("RELOADING=1") == [.reloading(monotonicMicroseconds: nil)])
        // An empty STATUS= clears the text; '=' in a value stays.
        #expect(parse("STATUS=\nSTATUS=a=b") == [.status(""), .status("a=b")])
    }

    @Test func garbageNeverCrashesAndValidLinesAroundItSurvive() {
        var bytes: [UInt8] = Array("READY=1\n".utf8) + [0xFF, 0xFE, 0x3D, 0x80, 0x0A] + Array("STATUS=x\u{0}y\n".utf8) + Array("STATUS=ok".utf8)
        #expect(NotifyMessage.parse(bytes) == [.ready, .status("ok")])
        // Random bytes, half of them from the protocol's alphabet.
        var seed: UInt64 = 0x9E3779B97F4A7C15
        let alphabet = Array("READY=1\nSTATUS=MAINPID=\n".utf8)
        for _ in 0..<2000 {
            bytes = (0..<Int(seed % 97)).map { _ in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return seed >> 63 == 0 ? UInt8(truncatingIfNeeded: seed >> 40) : alphabet[Int(seed >> 40) % alphabet.count]
            }
            _ = NotifyMessage.parse(bytes)
        }
    }
}
