import PPMClient
import PPMProtocol
import Testing

@Suite struct ProtocolTests {
    @Test func requestsParseOrSayWhatIsWrong() {
        guard case .success(let r) = ControlRequest.parse(#"{"id": 3, "cmd": "show", "args": {"name": "web"}}"#) else {
            Issue.record("expected a request")
            return
        }
        #expect(r.cmd == "show" && r.string("name") == "web" && r.id == .int(3))
        for (line, error) in [
            ("[]", "not a JSON object"), (#"{"id":1}"#, "missing \"cmd\""), (#"{"cmd":"ls","args":[1]}"#, "\"args\" must be an object"),
        ] {
            guard case .failure(let f) = ControlRequest.parse(line) else {
                Issue.record("\(line) parsed")
                continue
            }
            #expect(f.description.contains(error))
        }
    }
}
