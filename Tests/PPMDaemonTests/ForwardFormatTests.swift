import Testing

@testable import PPMDaemon

@Suite struct ForwardFormatTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func stdoutLinesCarryTheServiceAndMarkStderr() {
        #expect(text(ForwardFormat.prefixed("web", .out, "GET /")) == "web | GET /\n")
        #expect(text(ForwardFormat.prefixed("web", .err, "boom")) == "web[err] | boom\n")
    }

    @Test func jsonLinesHoldTimeServiceStreamAndLine() {
        let line = text(ForwardFormat.json("api", .err, "say \"hi\"\t", time: 1_800_000_000.1234))
        #expect(line == #"{"line":"say \"hi\"\t","service":"api","stream":"stderr","time":1800000000.123}"# + "\n")
    }

    @Test func journalValuesWithNewlinesUseTheBinaryLengthForm() {
        let bytes = ForwardFormat.journal([("MESSAGE", "two\nlines"), ("PRIORITY", "6")])
        let expected: [UInt8] = Array("MESSAGE\n".utf8) + [9, 0, 0, 0, 0, 0, 0, 0] + Array("two\nlines\n".utf8) + Array("PRIORITY=6\n".utf8)
        #expect(bytes == expected)
    }

    @Test func journalFieldsNameTheServiceAndThePriorityOfItsStream() {
        let fields = Dictionary(uniqueKeysWithValues: ForwardFormat.journalFields("db", .err, "x", pid: 42).map { ($0.key, $0.value) })
        #expect(fields["SYSLOG_IDENTIFIER"] == "db" && fields["PRIORITY"] == "3" && fields["SYSLOG_PID"] == "42" && fields["MESSAGE"] == "x")
        #expect(ForwardFormat.journalFields("db", .out, "x", pid: nil).contains { $0 == ("PRIORITY", "6") })
    }

    @Test func syslogMessagesFollowRFC5424() {
        let message = text(ForwardFormat.syslog("my app", .out, "hello", time: 0, host: "box", pid: 7))
        #expect(message == "<30>1 1970-01-01T00:00:00.000Z box myapp 7 - - hello")
        #expect(text(ForwardFormat.syslog("x", .err, "e", time: 0, host: "", pid: nil)).hasPrefix("<27>1 1970-01-01T00:00:00.000Z - x - - - e"))
    }
}
