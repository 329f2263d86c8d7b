import Foundation
import Testing

/// A sandbox whose daemon also listens on 127.0.0.1 (a port the system
/// picks), with a token file only its user can read.
func remoteBox(listen: String, services: String = #"ppm.service { name = "web", cmd = "/bin/sleep 1000" }"#) throws -> (Sandbox, port: Int) {
    let box = try Sandbox()
    try "0123456789abcdef0123456789abcdef\n".write(toFile: box.dir + "/token", atomically: true, encoding: .utf8)
    chmod(box.dir + "/token", 0o600)
    try "not the right secret at all\n".write(toFile: box.dir + "/wrong", atomically: true, encoding: .utf8)
    try box.write("ppm.settings { listen = { address = \"127.0.0.1:0\", token_file = \"token\", \(listen) } }\n" + services)
    try box.startDaemon()
    let status = try JSONSerialization.jsonObject(with: Data(box.run("status", "--json").stdout.utf8)) as? [String: Any]
    let listening = try #require(status?["listen"] as? String)
    return (box, Int(listening.split(separator: ":").last!)!)
}

extension Sandbox {
    /// `ppm-lua ARGS… --host 127.0.0.1:PORT --token-file token [--bind FROM]`.
    func remote(_ port: Int, _ args: [String], from source: String? = nil, token: String = "token", stdin: String? = nil) -> Output {
        run(args + ["--host", "127.0.0.1:\(port)", "--token-file", dir + "/" + token] + (source.map { ["--bind", $0] } ?? []), stdin: stdin)
    }

    /// The journal's `remote_refused` events.
    func refusals() -> [[String: Any]] { events().filter { $0["type"] as? String == "remote_refused" } }
}

@Suite struct RemoteTests {
    @Test func statusAndLsWorkOverTCPWithTheRightToken() throws {
        let (box, port) = try remoteBox(listen: "")
        let status = box.remote(port, ["status", "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\"pid\":\(box.daemonProcess!.processIdentifier)"))
        let ls = box.remote(port, ["ls"])
        #expect(ls.status == 0)
        #expect(ls.stdout.contains("web") && ls.stdout.contains("running"))
        // The environment names the listener just as well.
        box.env["PPM_LUA_HOST"] = "127.0.0.1:\(port)"
        box.env["PPM_LUA_TOKEN_FILE"] = box.dir + "/token"
        defer { box.env["PPM_LUA_HOST"] = nil }
        #expect(box.run("show", "web", "--json").stdout.contains("\"name\":\"web\""))
        #expect(box.refusals().isEmpty)
    }

    @Test func aWrongTokenIsRefusedJournaledAndSlowedDown() throws {
        let (box, port) = try remoteBox(listen: "")
        let first = box.remote(port, ["status"], token: "wrong")
        #expect(first.status == 1)
        #expect(first.stderr.hasPrefix("ppm-lua: 127.0.0.1:\(port): TLS handshake failed (is the token the daemon's"), "\(first.stderr)")
        #expect(box.remote(port, ["status"], token: "wrong").status == 1)
        let refusals = box.refusals()
        #expect(refusals.count == 2)
        // The daemon judged the second attempt at least 0.5 s after the first
        // failed, however long the clients took to start and exit.
        let times = refusals.compactMap { $0["time"] as? Double }
        #expect(times.count == 2 && times[1] - times[0] >= 0.45, "the second failure in a row waits its turn: \(times)")
        #expect(refusals.first?["address"] as? String == "127.0.0.1")
        #expect(refusals.first?["reason"] as? String == "tls handshake failed")
        // The right token still gets in, and the daemon kept serving.
        #expect(box.remote(port, ["ls"]).status == 0)
        #expect(box.run("ls").status == 0)
    }

    @Test func theAllowListTellsClientsApartByNetwork() throws {
        let (box, port) = try remoteBox(listen: #"allow = { ["127.0.0.1"] = { "read", "restart" }, ["127.0.0.2/32"] = { "status" } }"#)
        #expect(box.remote(port, ["status"], from: "127.0.0.2").status == 0)
        let ls = box.remote(port, ["ls"], from: "127.0.0.2")
        #expect(ls.status == 1)
        #expect(ls.stderr == "ppm-lua: 'ls' is not allowed from 127.0.0.2 (its network 127.0.0.2/32 may run: status)\n")
        #expect(box.remote(port, ["restart", "web"], from: "127.0.0.2").status == 1)
        let before = box.pid("web")
        #expect(box.remote(port, ["ls"], from: "127.0.0.1").status == 0)
        #expect(box.remote(port, ["restart", "web"], from: "127.0.0.1").status == 0)
        #expect(eventually { box.pid("web") != nil && box.pid("web") != before })
        let refused = box.refusals()
        #expect(refused.map { $0["cmd"] as? String } == ["ls", "restart"])
        #expect(refused.allSatisfy { $0["address"] as? String == "127.0.0.2" && $0["reason"] as? String == "command not allowed" })
        // An address no network covers is turned away after the handshake.
        let outsider = box.remote(port, ["status"], from: "127.0.0.3")
        #expect(outsider.status == 1)
        #expect(outsider.stderr.contains("127.0.0.3 is not in the listener's allow list"))
        #expect(box.refusals().last?["reason"] as? String == "network not allowed")
    }

    @Test func evalAndTheReplOnlyWhereNamed() throws {
        let (box, port) = try remoteBox(listen: #"allow = { ["127.0.0.1"] = { "read" }, ["127.0.0.2"] = { "read", "repl" } }"#)
        let refused = box.remote(port, ["eval", "return 1 + 1"], from: "127.0.0.1")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("'eval' is not allowed from 127.0.0.1"))
        #expect(box.refusals().last?["cmd"] as? String == "eval")
        let eval = box.remote(port, ["eval", "return ppm.get('web').state"], from: "127.0.0.2")
        #expect(eval.stdout == "\"running\"\n")
        let repl = box.remote(port, ["repl"], from: "127.0.0.2", stdin: "x = 20\nfunction f(n)\n  return n * 2\nend\nf(x) + 2\n")
        #expect(repl.status == 0)
        #expect(repl.stdout == "42\n")
    }

    @Test func followingCommandsStreamOverTCP() throws {
        let (box, port) = try remoteBox(
            listen: "",
            services: #"ppm.service { name = "talker", cmd = { "/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done" } }"#)
        let logs = OutputCollector()
        let events = OutputCollector()
        let host = ["--host", "127.0.0.1:\(port)", "--token-file", box.dir + "/token"]
        let logsFollower = try box.launch(["logs", "talker", "-f", "-n", "0"] + host, stdout: logs.pipe)
        let eventsFollower = try box.launch(["events", "-f", "-n", "0", "--json"] + host, stdout: events.pipe)
        defer {
            logsFollower.terminate()
            eventsFollower.terminate()
        }
        #expect(eventually { logs.lines.filter { $0.hasPrefix("line ") }.count >= 2 })
        #expect(eventually { box.run("restart", "talker").status == 0 && events.drain().contains("\"type\":\"start\"") })
    }

    /// `interrupt` over TCP stops the chunk of the connection that asks,
    /// and nothing of another connection's (as on the unix socket).
    @Test func interruptOverTCPStopsARunawayChunk() throws {
        let (box, port) = try remoteBox(listen: #"allow = { ["127.0.0.1"] = { "read", "eval" } }"#)
        let runner = try TCPClient(port: port, tokenFile: box.dir + "/token")
        #expect(runner.readObject()?["hello"] as? String == "ppm-lua")
        runner.send(#"{"id":2,"cmd":"eval","args":{"code":"while true do end","timeout":30}}"#)
        let other = try TCPClient(port: port, tokenFile: box.dir + "/token")
        _ = other.readObject()
        other.send(#"{"id":3,"cmd":"interrupt"}"#)
        #expect(other.readObject()?["result"] as? Bool == false)
        #expect(runner.readObject(0.3) == nil)  // still running
        var replies: [[String: Any]] = []
        #expect(
            eventually {
                runner.send(#"{"id":4,"cmd":"interrupt"}"#)
                while let r = runner.readObject(0.2) { replies.append(r) }
                return replies.contains { $0["id"] as? Int == 2 }
            })
        let evalReply = replies.first { $0["id"] as? Int == 2 }
        #expect((evalReply?["error"] as? String)?.hasPrefix("interrupted") == true)
    }

    @Test func badInputOverTCPGetsTheUnixSocketsAnswers() throws {
        let (box, port) = try remoteBox(listen: "")
        let client = try TCPClient(port: port, tokenFile: box.dir + "/token")
        let hello = try #require(client.readObject())
        #expect(hello["commands"] as? [String] == ["events", "logs", "ls", "show", "stats", "status", "watch", "why"])
        #expect(hello["auth"] as? String == "tls-psk" && hello["network"] as? String == "0.0.0.0/0")
        client.send("this is not json")
        #expect((client.readObject()?["error"] as? String)?.hasPrefix("malformed request:") == true)
        client.send(#"{"id":7,"cmd":"lss"}"#)
        #expect(client.readObject()?["error"] as? String == "unknown command 'lss' (did you mean 'ls'?)")
        client.send(#"{"id":8,"cmd":"status"}"#)
        #expect(client.readObject()?["ok"] as? Bool == true)
        // Without the handshake, a request gets no protocol byte and the connection ends.
        let early = try TCPClient(port: port)
        early.send(#"{"id":1,"cmd":"ls"}"#)
        #expect(early.readObject(1) == nil)
        #expect(early.closedWithin(5))
        // A line far past the limit closes the connection.
        let long = try TCPClient(port: port, from: "127.0.0.4", tokenFile: box.dir + "/token")
        _ = long.readLine()
        long.send(String(repeating: "x", count: 1_100_000))
        #expect((long.readObject()?["error"] as? String)?.hasPrefix("request line longer than") == true)
        #expect(box.run("status").status == 0)
    }

    @Test func idleConnectionsAreClosedButFollowersStay() throws {
        let (box, port) = try remoteBox(listen: #"idle_timeout = "500ms""#)
        let idle = try TCPClient(port: port, tokenFile: box.dir + "/token")
        _ = idle.readObject()
        let follower = try TCPClient(port: port, tokenFile: box.dir + "/token")
        _ = follower.readObject()
        follower.send(#"{"id":2,"cmd":"events","args":{"n":0,"follow":true}}"#)
        #expect(follower.readObject()?["ok"] as? Bool == true)
        #expect(idle.readObject(5)?["error"] as? String == "closed after 0.5 s without a request (idle_timeout)")
        #expect(idle.closedWithin(5))
        #expect(box.run("stop", "web").status == 0)
        #expect(eventually { (follower.readObject(0.2)?["result"] as? [String: Any])?["type"] as? String == "exit" })
        // An answer waiting its turn longer than the idle timeout is still judged.
        for _ in 0..<2 { #expect(box.remote(port, ["status"], token: "wrong").status == 1) }
        let lastFailure = box.refusals().last?["time"] as? Double ?? .infinity
        let late = box.remote(port, ["status"])
        #expect(late.status == 0, "\(late.stderr)")
        #expect(Date().timeIntervalSince1970 - lastFailure >= 0.95, "it waited its turn: a second after the last failure")
    }

    /// `echo REQUEST | socat - TCP:…` half-closes after its request: it gets
    /// its reply and the connection ends (it held one of `max_clients` until
    /// the idle timeout before); a follower that half-closes still follows.
    @Test func aHalfClosedTCPClientGetsItsReplyAndIsLetGo() throws {
        let (box, port) = try remoteBox(listen: "max_clients = 2")
        for round in 0..<3 {
            let asker = try TCPClient(port: port, tokenFile: box.dir + "/token")
            #expect(asker.readObject()?["hello"] as? String == "ppm-lua")
            asker.send(#"{"id":2,"cmd":"ls"}"#)
            asker.closeWriting()
            #expect(asker.readObject()?["id"] as? Int == 2, "round \(round)")
            #expect(asker.closedWithin(5), "round \(round)")
        }
        let follower = try TCPClient(port: port, tokenFile: box.dir + "/token")
        _ = follower.readObject()
        follower.send(#"{"id":2,"cmd":"events","args":{"n":0,"follow":true}}"#)
        follower.closeWriting()
        #expect(follower.readObject()?["ok"] as? Bool == true)
        #expect(box.run("stop", "web").status == 0)
        #expect(eventually { (follower.readObject(0.2)?["result"] as? [String: Any])?["type"] as? String == "exit" })
    }

    /// Connections that never finish their handshake neither delay the
    /// unix socket nor keep out an authenticated client, even from their
    /// own address (they have a pool of their own, oldest out first).
    @Test func halfOpenTLSHandshakesDelayNobody() throws {
        let (box, port) = try remoteBox(listen: "max_clients = 64")
        var idle: [TCPClient] = []
        for i in 0..<64 { idle.append(try TCPClient(port: port, from: "127.0.0.\(1 + i / 8)")) }
        // Half a ClientHello on some: a record header promising more.
        for client in idle.prefix(16) {
            _ = [UInt8]([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).withUnsafeBytes { write(client.fd, $0.baseAddress, $0.count) }
        }
        let started = Date()
        let status = box.run("status")
        #expect(status.status == 0)
        #expect(Date().timeIntervalSince(started) < 1, "status took \(Date().timeIntervalSince(started)) s")
        // The 8 connections of 127.0.0.1 waiting to authenticate do not lock its admin out.
        let ls = box.remote(port, ["ls"], from: "127.0.0.1")
        #expect(ls.status == 0 && ls.stdout.contains("web"), "\(ls.stderr)")
        #expect(box.remote(port, ["status"], from: "127.0.0.9").status == 0)
    }

    @Test func aReloadKeepsTheListenerAndSaysWhenItsSettingsChanged() throws {
        let (box, port) = try remoteBox(listen: "")
        let config = try String(contentsOfFile: box.config, encoding: .utf8)
        try box.write(
            config.replacingOccurrences(of: "token_file = \"token\",", with: "token_file = \"token\", max_clients = 5,")
                + "\nppm.service { name = \"more\", cmd = \"/bin/sleep 1000\" }\n")
        #expect(box.run("reload").status == 0)
        #expect(eventually { box.state("more") == "running" })
        let log = try String(contentsOfFile: box.daemonLog, encoding: .utf8)
        #expect(log.contains("ppm.settings listen changed: the TCP listener keeps its current settings until the daemon restarts"))
        #expect(box.remote(port, ["ls"]).stdout.contains("more"))
    }

    @Test func anUnsafeTokenFileStopsTheDaemonFromStarting() throws {
        let box = try Sandbox()
        try "0123456789abcdef0123456789abcdef\n".write(toFile: box.dir + "/token", atomically: true, encoding: .utf8)
        chmod(box.dir + "/token", 0o644)
        try box.write(#"ppm.settings { listen = { address = "127.0.0.1:0", token_file = "token" } }"#)
        let open = box.run("daemon", "-c", box.config)
        #expect(open.status == 1)
        #expect(open.stderr == "ppm-lua: listen: token file \(box.dir)/token is readable by others (mode 644): run chmod 600 \(box.dir)/token\n")
        try "short\n".write(toFile: box.dir + "/token", atomically: true, encoding: .utf8)
        chmod(box.dir + "/token", 0o600)
        #expect(
            box.run("daemon", "-c", box.config).stderr.contains(
                "token file \(box.dir)/token holds about 11 bits of entropy, fewer than 128: make a random one with openssl rand -hex 32 > \(box.dir)/token"
            ))
        #expect(!FileManager.default.fileExists(atPath: box.dir + "/home/ppm.sock"))
    }

    /// Secrets in services' environments are masked for TCP clients and
    /// shown whole to the local owner.
    @Test func secretsAreMaskedForTCPClients() throws {
        let services =
            #"ppm.service { name = "web", cmd = "/bin/sleep 1000", "#
            + #"env = { DB_PASSWORD = "hunter2", API_KEY = "k-123", DSN = "pg://u:p@db", PORT = "8080" }, secret_env = { "DSN" } }"#
        let (box, port) = try remoteBox(listen: #"allow = { ["127.0.0.1"] = { "read" } }"#, services: services)
        for args in [["show", "web", "--json"], ["ls", "--json"]] {
            let remote = box.remote(port, args)
            #expect(remote.status == 0, "\(remote.stderr)")
            for secret in ["hunter2", "k-123", "pg://u:p@db"] { #expect(!remote.stdout.contains(secret), "\(args): \(remote.stdout)") }
            #expect(remote.stdout.contains(#""DB_PASSWORD":"***""#) && remote.stdout.contains(#""PORT":"8080""#), "\(remote.stdout)")
        }
        let local = box.run("show", "web", "--json")
        #expect(local.stdout.contains("hunter2") && local.stdout.contains("pg://u:p@db"))
    }

    @Test func theClientSaysWhatIsMissing() throws {
        let box = try Sandbox()
        let noToken = box.run("ls", "--host", "127.0.0.1:1")
        #expect(noToken.status == 1)
        #expect(
            noToken.stderr
                == "ppm-lua: 127.0.0.1:1: a TCP listener needs its token: --token-file FILE or PPM_LUA_TOKEN_FILE (or --ca, --cert and --key)\n")
        try "0123456789abcdef\n".write(toFile: box.dir + "/token", atomically: true, encoding: .utf8)
        let nobody = box.run("ls", "--host", "127.0.0.1:1", "--token-file", box.dir + "/token")
        #expect(nobody.status == 3)
        #expect(nobody.stderr.hasPrefix("ppm-lua: no daemon answers on 127.0.0.1:1"))
        #expect(box.run("ls", "--host", "127.0.0.1:1", "--socket", "x").status != 0)
    }
}
