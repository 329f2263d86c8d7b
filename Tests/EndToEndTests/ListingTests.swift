import Foundation
import Testing

/// `ls`: the JSON list is the daemon's bytes, every member SPEC names is
/// there, and the table asks the daemon for just the members it shows.
@Suite struct ListingTests {
    @Test func listJSONHasEveryServiceObjectAndFieldsNarrowIt() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "web", cmd = "/bin/sleep 1000", env = { PORT = "8080" }, groups = { "front" } }
            ppm.service { name = "job", cmd = { "/bin/sh", "-c", "exit 3" }, once = true }
            """)
        try box.startDaemon()
        #expect(eventually { box.state("job") == "crashed" && box.state("web") == "running" })
        let out = box.run("ls", "--json")
        #expect(out.status == 0)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["name"] as? String } == ["web", "job"])
        for member in ["name", "state", "pid", "starts", "restarts", "uptime", "cmd", "last_exit", "autostart"] {
            #expect(list.allSatisfy { $0.keys.contains(member) }, "\(member)")
        }
        #expect((list[0]["env"] as? [String: String]) == ["PORT": "8080"])
        #expect((list[1]["last_exit"] as? [String: Any])?["result"] as? Int == 3)

        let client = try SocketClient(path: box.dir + "/home/ppm.sock")
        let narrow = try client.call(#"{"id":7,"cmd":"ls","args":{"fields":["name","state"]}}"#)
        #expect(narrow.hasPrefix(#"{"id":7,"ok":true,"result":[{"name":"web","state":"running"},{"name":"job","state":"crashed"}]}"#))
        let unknown = try client.call(#"{"id":8,"cmd":"ls","args":{"fields":["nmae"]}}"#)
        #expect(unknown.contains(#""ok":false"#) && unknown.contains("ls: unknown field 'nmae'") && unknown.contains("name"))
        let wrong = try client.call(#"{"id":9,"cmd":"ls","args":{"fields":"name"}}"#)
        #expect(wrong.contains("'fields' must be an array of member names"))

        let table = box.run("ls")
        #expect(table.stdout.hasPrefix("NAME"))
        #expect(table.stdout.contains("exit 3"))
        #expect(table.stdout.contains("running"))
    }
}
