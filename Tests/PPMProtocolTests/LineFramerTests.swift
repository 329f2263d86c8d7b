import PPMClient
import PPMProtocol
import Testing

@Suite struct LineFramerTests {
    private func lines(_ framer: inout LineFramer) throws -> [String] {
        var out: [String] = []
        while let line = try framer.nextLine() { out.append(String(decoding: line, as: UTF8.self)) }
        return out
    }

    @Test func linesComeOnceTheirNewlineHas() throws {
        var framer = LineFramer()
        framer.append(ArraySlice("{\"id\":1}\n{\"i".utf8))
        #expect(try lines(&framer) == ["{\"id\":1}"])
        framer.append(ArraySlice("d\":2}".utf8))
        #expect(try lines(&framer).isEmpty)
        framer.append(ArraySlice("\n\n{}\n".utf8))
        #expect(try lines(&framer) == ["{\"id\":2}", "", "{}"])
        #expect(framer.pendingCount == 0)
    }

    @Test func manyChunksAndManyLinesKeepTheirOrder() throws {
        var framer = LineFramer()
        var seen: [String] = []
        let text = (0..<2000).map { "line \($0)\n" }.joined()
        let bytes = Array(text.utf8)
        var at = 0
        while at < bytes.count {
            let end = min(bytes.count, at + 7)
            framer.append(bytes[at..<end])
            seen += try lines(&framer)
            at = end
        }
        #expect(seen == (0..<2000).map { "line \($0)" })
    }

    @Test func aLineLongerThanTheLimitIsRefusedWholeOrPartial() throws {
        var whole = LineFramer(maxLine: 8)
        whole.append(ArraySlice("12345678\n123456789\n".utf8))
        #expect(try whole.nextLine() == Array("12345678".utf8))
        #expect(throws: LineFramer.LineTooLong.self) { try whole.nextLine() }

        var partial = LineFramer(maxLine: 8)
        partial.append(ArraySlice("12345678".utf8))
        #expect(try partial.nextLine() == nil, "at the limit, still waiting for its newline")
        partial.append(ArraySlice("9".utf8))
        #expect(throws: LineFramer.LineTooLong.self) { try partial.nextLine() }
        partial.reset()
        #expect(partial.pendingCount == 0)
    }

    @Test func theLimitMayGrowBetweenLines() throws {
        var framer = LineFramer(maxLine: 4)
        framer.append(ArraySlice("auth\n123456\n".utf8))
        #expect(try framer.nextLine() == Array("auth".utf8))
        framer.maxLine = 100
        #expect(try framer.nextLine() == Array("123456".utf8))
    }
}
