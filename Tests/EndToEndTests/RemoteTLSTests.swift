import Foundation
import TestProcesses
import Testing

/// The bytes of a token file (trailing whitespace removed) in hex, as
/// `openssl s_client -psk` takes them.
func pskHex(_ path: String) throws -> String {
    let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.utf8.map { String(format: "%02x", $0) }.joined()
}

/// `/usr/bin/openssl s_client -tls1_3 -psk HEX -psk_identity ppm-lua` to the listener, its output collected.
func sClient(_ port: Int, psk: String) throws -> (TestProcess, stdin: Pipe, stdout: OutputCollector) {
    let p = TestProcess()
    let input = Pipe()
    let output = OutputCollector()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    p.arguments = ["s_client", "-tls1_3", "-psk", psk, "-psk_identity", "ppm-lua", "-quiet", "-connect", "127.0.0.1:\(port)"]
    p.standardInput = input
    p.standardOutput = output.pipe
    p.standardError = FileHandle.nullDevice
    try p.run()
    return (p, input, output)
}

@Suite struct RemoteTLSTests {
    @Test func opensslSClientWithTheTokenAsPSKGetsReplies() throws {
        let (box, port) = try remoteBox(listen: "")
        let (client, input, output) = try sClient(port, psk: try pskHex(box.dir + "/token"))
        defer { client.terminate() }
        input.fileHandleForWriting.write(Data(#"{"id":1,"cmd":"ls"}"#.utf8 + [10]))
        #expect(eventually(10) { output.lines.contains { $0.hasPrefix(#"{"id":1,"ok":true"#) && $0.contains(#""name":"web""#) } }, "\(output.text)")
        #expect(output.lines.first?.contains(#""hello":"ppm-lua""#) == true)
        #expect(box.refusals().isEmpty)
    }

    @Test func aWrongKeyOrPlaintextGetsNoProtocolByte() throws {
        let (box, port) = try remoteBox(listen: "")
        let (client, input, output) = try sClient(port, psk: try pskHex(box.dir + "/wrong"))
        input.fileHandleForWriting.write(Data(#"{"id":1,"cmd":"ls"}"#.utf8 + [10]))
        #expect(eventually(10) { !client.isRunning }, "the handshake fails and s_client gives up")
        #expect(!output.text.contains("{"))
        #expect(box.refusals().first?["reason"] as? String == "tls handshake failed")
        let plain = try TCPClient(port: port, from: "127.0.0.2")
        plain.send(#"{"id":1,"cmd":"ls"}"#)
        var received: [UInt8] = []
        #expect(
            eventually(10) {
                guard let bytes = plain.readBytes(0.1) else { return false }
                received += bytes
                return bytes.isEmpty
            }, "closed")
        #expect(!received.contains(UInt8(ascii: "{")), "\(received)")
    }

    @Test func theCLIOverTLSListsFollowsAndRunsTheRepl() throws {
        let services = #"ppm.service { name = "talker", cmd = { "/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done" } }"#
        let (box, port) = try remoteBox(listen: #"allow = { ["127.0.0.1"] = { "read", "repl" } }"#, services: services)
        let ls = box.remote(port, ["ls", "--json"])
        #expect(ls.status == 0 && ls.stdout.contains(#""name":"talker""#), "\(ls.stderr)")
        let logs = OutputCollector()
        let follower = try box.launch(
            ["logs", "talker", "-f", "-n", "0", "--host", "127.0.0.1:\(port)", "--token-file", box.dir + "/token"], stdout: logs.pipe)
        defer { follower.terminate() }
        #expect(eventually { logs.lines.filter { $0.hasPrefix("line ") }.count >= 3 })
        let repl = box.remote(port, ["repl"], stdin: "x = 20\nfunction f(n)\n  return n * 2\nend\nf(x) + 2\n")
        #expect(repl.status == 0 && repl.stdout == "42\n", "\(repl.stderr)")
        // Pipelined requests on one connection: all answered, in order, though
        // the listener reads only a few ahead of the loop.
        let client = try TCPClient(port: port, tokenFile: box.dir + "/token")
        _ = client.readObject()
        for id in 1...60 { client.send(#"{"id":\#(id),"cmd":"status"}"#) }
        var ids: [Int] = []
        while ids.count < 60, let reply = client.readObject() { ids.append(reply["id"] as? Int ?? -1) }
        #expect(ids == Array(1...60))
    }

    @Test func ctrlCInTheReplOverTLSStopsItsChunk() throws {
        let (box, port) = try remoteBox(listen: #"allow = { ["127.0.0.1"] = { "read", "repl" } }"#)
        let terminal = try ReplInterruptEndToEndTests.Terminal()
        let tty = FileHandle(fileDescriptor: terminal.slave, closeOnDealloc: false)
        let repl = try box.launch(
            ["repl", "--timeout", "30", "--host", "127.0.0.1:\(port)", "--token-file", box.dir + "/token"],
            stdout: tty, stderr: tty, stdin: tty)
        defer { if repl.isRunning { kill(repl.processIdentifier, SIGKILL) } }
        #expect(terminal.waitFor("ppm> "))
        let seen = terminal.text.count
        let marker = box.dir + "/running"
        terminal.type("io.open('\(marker)', 'w'):close() while true do end\r")
        #expect(eventually { FileManager.default.fileExists(atPath: marker) })
        kill(repl.processIdentifier, SIGINT)
        #expect(terminal.waitFor("interrupted", after: seen))
        terminal.type("6 * 7\r")
        #expect(terminal.waitFor("42", after: seen))
    }

    @Test func mutualTLSTakesCertificatesSignedByTheCA() throws {
        let box = try Sandbox()
        let script = """
            set -e
            req() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "$@" 2>/dev/null; }
            req -x509 -keyout ca.key -out ca.pem -subj /CN=ppm-ca
            req -x509 -keyout other-ca.key -out other-ca.pem -subj /CN=other-ca
            req -x509 -CA ca.pem -CAkey ca.key -keyout daemon.key -out daemon.pem -subj /CN=daemon -addext subjectAltName=IP:127.0.0.1
            req -x509 -CA ca.pem -CAkey ca.key -keyout admin.key -out admin.pem -subj /CN=admin
            req -x509 -CA other-ca.pem -CAkey other-ca.key -keyout intruder.key -out intruder.pem -subj /CN=intruder
            chmod 600 *.key
            """
        let made = TestProcess()
        made.executableURL = URL(fileURLWithPath: "/bin/sh")
        made.arguments = ["-c", script]
        made.currentDirectoryURL = URL(fileURLWithPath: box.dir)
        try made.run()
        made.waitUntilExit()
        try #require(made.terminationStatus == 0)
        try box.write(
            #"ppm.settings { listen = { address = "127.0.0.1:0", cert = "daemon.pem", key = "daemon.key", ca = "ca.pem" } }"#
                + "\n" + #"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#)
        try box.startDaemon()
        let status = try JSONSerialization.jsonObject(with: Data(box.run("status", "--json").stdout.utf8)) as? [String: Any]
        let port = try #require((status?["listen"] as? String)?.split(separator: ":").last)
        func client(_ name: String, ca: String = "ca.pem") -> Output {
            box.run([
                "ls", "--host", "127.0.0.1:\(port)", "--ca", box.dir + "/" + ca, "--cert", box.dir + "/\(name).pem", "--key",
                box.dir + "/\(name).key",
            ])
        }
        let admin = client("admin")
        #expect(admin.status == 0 && admin.stdout.contains("web"), "\(admin.stderr)")
        let intruder = client("intruder")
        #expect(intruder.status == 1)
        #expect(intruder.stderr.contains("the daemon refused this client's certificate"), "\(intruder.stderr)")
        #expect(box.refusals().last?["reason"] as? String == "tls handshake failed")
        // The client checks the daemon's certificate against its CA too.
        let fooled = client("admin", ca: "other-ca.pem")
        #expect(fooled.status == 1 && fooled.stderr.contains("certificate verify failed"), "\(fooled.stderr)")
    }

    @Test func aReadOnlyNetworkCannotStopOrEval() throws {
        let (box, port) = try remoteBox(listen: #"allow = { ["127.0.0.1"] = { "read", "stop", "repl" }, ["127.0.0.2"] = { "read" } }"#)
        for args in [["stop", "web"], ["eval", "return 1"]] {
            let refused = box.remote(port, args, from: "127.0.0.2")
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("'\(args[0])' is not allowed from 127.0.0.2"), "\(refused.stderr)")
        }
        #expect(box.state("web") == "running")
        #expect(box.remote(port, ["eval", "return 1 + 1"], from: "127.0.0.1").stdout == "2\n")
    }

    @Test func plaintextOnlyOnLoopbackAndTheClientFindsOut() throws {
        let box = try Sandbox()
        try "0123456789abcdef0123456789abcdef\n".write(toFile: box.dir + "/token", atomically: true, encoding: .utf8)
        chmod(box.dir + "/token", 0o600)
        try box.write(#"ppm.settings { listen = { address = "0.0.0.0:7070", token_file = "token", tls = false } }"#)
        let check = box.run("check", "ppm.lua")
        #expect(check.status == 1)
        #expect(
            check.stderr.contains("tls = false is accepted only on a loopback address (127.0.0.0/8 or [::1]), not 0.0.0.0:7070"), "\(check.stderr)")
        #expect(check.stderr.split(separator: "\n").count == 1)
        try box.write(#"ppm.settings { listen = { address = "127.0.0.1:0", token_file = "token", tls = false } }"#)
        try box.startDaemon()
        let status = try JSONSerialization.jsonObject(with: Data(box.run("status", "--json").stdout.utf8)) as? [String: Any]
        let port = Int(try #require((status?["listen"] as? String)?.split(separator: ":").last))!
        // The client tries TLS, sees the hello line in clear, and answers the challenge instead.
        let ls = box.remote(port, ["status"])
        #expect(ls.status == 0, "\(ls.stderr)")
        #expect(box.refusals().isEmpty, "trying TLS first costs no refusal")
    }

    @Test func aFloodOfRefusalsIsCountedNotJournaledOneByOne() throws {
        let (box, port) = try remoteBox(listen: #"allow = { ["127.0.0.1"] = { "status" } }"#)
        let client = try TCPClient(port: port, tokenFile: box.dir + "/token")
        _ = client.readObject()
        for id in 1...2000 { client.send(#"{"id":\#(id),"cmd":"stop","args":{"names":["web"]}}"#) }
        var last: [String: Any]?
        while let reply = client.readObject(), (reply["id"] as? Int) != 2000 { last = reply }
        #expect(last?["ok"] as? Bool == false)
        let events = box.events(n: 1000)
        let refusals = events.filter { $0["type"] as? String == "remote_refused" }
        #expect(refusals.count <= 5, "\(refusals.count) refusals journaled one by one")
        #expect(events.contains { $0["type"] as? String == "start" && $0["name"] as? String == "web" })
    }
}
