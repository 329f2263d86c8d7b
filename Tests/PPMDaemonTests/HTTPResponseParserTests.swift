import Testing

@testable import PPMDaemon

/// The probes' HTTP reader: the same answer split at every byte gives the
/// same result; truncated, oversized and garbage answers fail with a reason.
struct HTTPResponseParserTests {
    private func parse(_ text: String, splitAt cut: Int? = nil, close: Bool = true) -> HTTPResponseParser.Progress {
        parse(Array(text.utf8), splitAt: cut, close: close)
    }

    private func parse(_ bytes: [UInt8], splitAt cut: Int? = nil, close: Bool = true) -> HTTPResponseParser.Progress {
        var parser = HTTPResponseParser()
        let at = min(cut ?? bytes.count, bytes.count)
        if case .needMore = parser.feed(bytes[..<at]) {} else if at < bytes.count {}  // finished early
        var progress = parser.feed(bytes[at...])
        if close, case .needMore = progress { progress = parser.end() }
        return progress
    }

    static let answers = [
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=1\r\nhe\r\n3\r\nllo\r\n0\r\nTrailer: x\r\n\r\n",
        "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    ]

    @Test(arguments: answers) func everySplitGivesTheSameAnswer(_ text: String) {
        guard case .done(let whole) = parse(text) else {
            Issue.record("no answer from \(text)")
            return
        }
        #expect(whole.status == 200)
        #expect(whole.body == Array("hello".utf8))
        for cut in 0...text.utf8.count {
            #expect(parse(text, splitAt: cut) == .done(whole), "split at \(cut)")
        }
        // One byte at a time.
        var parser = HTTPResponseParser()
        var last = HTTPResponseParser.Progress.needMore
        for b in text.utf8 { last = parser.feed([b]) }
        if case .needMore = last { last = parser.end() }
        #expect(last == .done(whole))
    }

    @Test func aLengthDelimitedAnswerEndsWithoutTheClose() {
        guard case .done(let r) = parse("HTTP/1.1 204 No Content\r\n\r\n", close: false) else {
            Issue.record("no answer")
            return
        }
        #expect(r.status == 204 && r.reason == "No Content" && r.body.isEmpty)
        #expect(parse("HTTP/1.1 503 Busy\r\nContent-Length: 2\r\n\r\nno", close: false) != .needMore)
    }

    @Test func theBodyIsCutAt64KiB() {
        let big = String(repeating: "x", count: 100_000)
        for text in [
            "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + big, "HTTP/1.1 200 OK\r\n\r\n" + big,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n186a0\r\n" + big,
        ] {
            guard case .done(let r) = parse(text, close: false) else {
                Issue.record("no answer")
                return
            }
            #expect(r.body.count == 65536 && r.truncated)
        }
    }

    @Test(arguments: [
        ("", "without answering"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", "5 bytes before the end of the body"),
        ("HTTP/1.1 200 OK\r\nContent-Le", "before the end of the headers"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "before the last chunk"),
        ("SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1.x status line"),
        ("HTTP/1.1 2x0 OK\r\n\r\n", "bad status code"),
        ("HTTP/2 200\r\n\r\n", "not an HTTP/1.x status line"),
        ("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "bad header name"),
        ("HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", "without a name"),
        ("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", "folded"),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "bad Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "both Content-Length and Transfer-Encoding"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", "bad chunk size"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "longer than its size"),
        ("HTTP/1.1 101 Switching\r\n\r\n", "switched protocols"),
    ]) func malformedAnswersFailWithAReason(_ text: String, _ reason: String) {
        guard case .failed(let message) = parse(text) else {
            Issue.record("accepted: \(text.debugDescription)")
            return
        }
        #expect(message.contains(reason), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test func anEndlessHeadIsRefusedAt16KiB() {
        let head = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Pad: 0123456789abcdef\r\n", count: 1000)
        guard case .failed(let message) = parse(head, close: false) else {
            Issue.record("accepted")
            return
        }
        #expect(message.contains("longer than 16 KiB"))
        guard case .failed = parse("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 20000), close: false) else {
            Issue.record("accepted a long line")
            return
        }
    }

    @Test func garbageNeverCrashesAndAlwaysEnds() {
        var rng = SystemRandomNumberGenerator()
        let pieces = [
            "HTTP/1.1 ", "200", " OK", "\r\n", "\n", ":", "Content-Length: ", "Transfer-Encoding: chunked", "5", "ff", ";", " ", "\0", "\u{7f}", "x",
        ]
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            var bytes = Array(text.utf8)
            if Bool.random(using: &rng) { bytes += (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
            #expect(parse(bytes, splitAt: Int.random(in: 0...bytes.count, using: &rng)) != .needMore)
        }
    }
}
