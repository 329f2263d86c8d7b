import SystemCalls
import Testing

/// `DecimalText.fixed`: the figures people read in `show`, `why`, `stats` and `events`.
struct DecimalTextTests {
    @Test func roundsAsPrintfDoes() {
        #expect(DecimalText.fixed(3.14159, decimals: 2) == "3.14")
        #expect(DecimalText.fixed(2.0, decimals: 1) == "2.0")
        #expect(DecimalText.fixed(0.96, decimals: 1) == "1.0")
        // 1.25 is exact in binary: half to even, as %.1f.
        #expect(DecimalText.fixed(1.25, decimals: 1) == "1.2")
        #expect(DecimalText.fixed(-0.04, decimals: 1) == "-0.0")
        #expect(DecimalText.fixed(1234.5678, decimals: 0) == "1235")
    }

    @Test func writesHugeValuesWhole() {
        #expect(DecimalText.fixed(1e20, decimals: 3) == "100000000000000000000.000")
    }
}
