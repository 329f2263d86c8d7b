import Testing

@testable import PPMDaemon

/// The metrics endpoint's request reader: GET lines, bounds, junk.
@Suite struct HTTPRequestHeadTests {
    func parse(_ text: String) -> HTTPRequestHead.Parse { HTTPRequestHead.parse(Array(text.utf8)) }

    @Test func readsTheMethodAndPathOfACompleteHead() {
        #expect(parse("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n") == .request(HTTPRequestHead(method: "GET", path: "/metrics")))
        #expect(parse("POST /readyz HTTP/1.0\n\n") == .request(HTTPRequestHead(method: "POST", path: "/readyz")))
    }

    @Test func waitsForTheBlankLine() {
        #expect(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n") == .incomplete)
        #expect(parse("GET /met") == .incomplete)
    }

    @Test func refusesWhatIsNotAnHTTPRequestLine() {
        for junk in [
            "GET /metrics\r\n\r\n", "GET metrics HTTP/1.1\r\n\r\n", "GET /a b HTTP/1.1\r\n\r\n", "G\u{1}T / HTTP/1.1\r\n\r\n", "GET / HTTP/2\r\n\r\n",
        ] {
            guard case .refused(400, _) = parse(junk) else {
                Issue.record("\(junk.debugDescription) was not refused")
                continue
            }
        }
    }

    @Test func aHeadPastEightKiBIsRefusedWith431() {
        let long = "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "a", count: HTTPRequestHead.maxBytes) + "\r\n\r\n"
        if case .refused(431, _) = parse(long) {} else { Issue.record("a long head was taken") }
        if case .refused(431, _) = parse(String(long.prefix(HTTPRequestHead.maxBytes + 1))) {
        } else {
            Issue.record("an unfinished long head was not cut off")
        }
    }

    @Test func responsesCloseTheConnectionAndSayTheirLength() {
        let text = String(decoding: HTTPResponse(405, "GET only\n", headers: [("Allow", "GET")]).bytes, as: UTF8.self)
        #expect(
            text
                == "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 9\r\nConnection: close\r\nAllow: GET\r\n\r\nGET only\n"
        )
    }
}
