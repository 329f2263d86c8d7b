import Foundation
import Testing

/// The `complete` control command (REPL Tab) against a running daemon.
@Suite struct CompletionEndToEndTests {
    func completions(_ client: SocketClient, _ text: String) throws -> [String] {
        let request = try JSONSerialization.data(withJSONObject: ["id": 1, "cmd": "complete", "args": ["text": text]])
        let reply = try client.call(String(decoding: request, as: UTF8.self))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any])
        #expect(json["ok"] as? Bool == true, "\(reply)")
        return (json["result"] as? [String: Any])?["completions"] as? [String] ?? []
    }

    @Test func globalsFieldsAndFieldsOfAServiceSnapshot() throws {
        let box = try Sandbox()
        try box.write(
            #"""
            ppm.service { name = "web", cmd = "/bin/sleep 1000" }
            calls = 0
            function bump() calls = calls + 1; return { x = 1 } end
            """#)
        try box.startDaemon()
        #expect(eventually { box.state("web") == "running" })
        let client = try SocketClient(path: box.dir + "/home/ppm.sock")
        #expect(try completions(client, "ppm.se") == ["ppm.service", "ppm.settings"])
        #expect(try completions(client, "ppm.get(\"web\").sta") == ["ppm.get(\"web\").starts", "ppm.get(\"web\").state"])
        #expect(try completions(client, "x = ppm.get('web').spec.cm") == ["x = ppm.get('web').spec.cmd"])
        #expect(try completions(client, "ppm.list()[1].na") == ["ppm.list()[1].name"])
        #expect(try completions(client, "bump().") == [])  // not evaluated: it has side effects
        #expect(box.run("eval", "calls").stdout == "0\n")
        // A missing argument is a one-line error; the daemon goes on.
        let bad = try client.call(#"{"id":2,"cmd":"complete","args":{}}"#)
        #expect(bad.contains(#""ok":false"#) && bad.contains("missing argument 'text'"))
        #expect(try completions(client, "ppm.ver") == ["ppm.version"])
    }
}
