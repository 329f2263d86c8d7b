import Testing

@testable import PPMDaemon

/// Replies written a piece at a time (#23): every byte goes out once, in
/// order, whatever the pieces, while more lines are queued behind.
@Suite struct ReplyBufferTests {
    @Test func piecesGoOutInOrderWhileLinesAreQueuedBehind() {
        var buffer = ReplyBuffer()
        var expected: [UInt8] = []
        var sent: [UInt8] = []
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
        for round in 0..<20 {
            let line = round % 3 == 0 ? big : Array("line \(round)".utf8)
            buffer.appendLine(line)
            expected += line + [10]
            // The socket takes up to 50 KB, four times a round.
            for _ in 0..<4 where !buffer.isEmpty {
                let n = buffer.withUnsent { bytes in
                    let n = min(bytes.count, 50_000)
                    sent += bytes.prefix(n)
                    return n
                }
                buffer.consume(n)
            }
            #expect(buffer.count == expected.count - sent.count)
        }
        while !buffer.isEmpty {
            let n = buffer.withUnsent { bytes in
                sent += bytes
                return bytes.count
            }
            buffer.consume(n)
        }
        #expect(sent == expected)
        #expect(buffer.count == 0)
    }

    @Test func anEmptyBufferHasNothingToWriteAndSmallLinesShareAChunk() {
        var buffer = ReplyBuffer()
        #expect(buffer.isEmpty)
        for i in 0..<100 { buffer.appendLine(Array("event \(i)".utf8)) }
        // One write takes every short line: they were gathered, not queued one by one.
        let total = buffer.count
        let n = buffer.withUnsent { $0.count }
        #expect(n == total)
        buffer.consume(n)
        #expect(buffer.isEmpty)
        buffer.appendLine(Array("after".utf8))
        #expect(buffer.withUnsent { Array($0) } == Array("after\n".utf8))
    }

    /// A reply sent in parts as it is written (`ls`): lines queued before
    /// its last part go out after its newline, never inside it.
    @Test func linesWaitBehindALineSentInParts() {
        var buffer = ReplyBuffer()
        let part = [UInt8](repeating: UInt8(ascii: "p"), count: 20_000)
        buffer.appendPart(Array("{\"a\":".utf8), last: false)
        buffer.appendPart(part, last: false)
        buffer.appendLine(Array("other".utf8))
        #expect(buffer.pendingCount == 5 + part.count + 6)
        var sent: [UInt8] = []
        while !buffer.isEmpty {
            let n = buffer.withUnsent { bytes in
                sent += bytes
                return bytes.count
            }
            buffer.consume(n)
        }
        #expect(sent == Array("{\"a\":".utf8) + part)
        buffer.appendPart(Array("}".utf8), last: true)
        while !buffer.isEmpty {
            let n = buffer.withUnsent { bytes in
                sent += bytes
                return bytes.count
            }
            buffer.consume(n)
        }
        #expect(sent == Array("{\"a\":".utf8) + part + Array("}\nother\n".utf8))
        #expect(buffer.pendingCount == 0)
    }
}
