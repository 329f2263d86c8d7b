import Foundation
import LuaKit
import PPMProtocol
import Testing

@testable import PPMScript

@Suite struct ListenSettingsTests {
    @Test func readsTheListenTable() throws {
        let host = try load(
            """
            ppm.settings { listen = {
              address = "[::]:7070", token_file = "secret/token", max_clients = 8, idle_timeout = "2m",
              allow = { ["10.0.0.0/8"] = { "read", "restart" }, ["10.0.0.5"] = { "repl", "list" }, ["::1"] = { "status" } },
            } }
            """)
        let listen = try #require(host.listen)
        #expect(listen.address == [UInt8](repeating: 0, count: 16) && listen.port == 7070)
        #expect(listen.tokenFile?.hasSuffix("/secret/token") == true && listen.tokenFile?.hasPrefix("/") == true)
        #expect(listen.tls && listen.certificates == nil)
        #expect(listen.maxClients == 8 && listen.idleTimeout == 120)
        // The most specific network decides: 10.0.0.5 may not restart.
        #expect(listen.rule(for: IPAddress.bytes("10.0.0.5")!)?.commands == [.eval, .ls])
        #expect(listen.rule(for: IPAddress.bytes("10.9.9.9")!)?.commands == ControlCommand.readOnly.union([.restart]))
        #expect(listen.rule(for: IPAddress.bytes("192.168.0.1")!) == nil)
    }

    @Test func plaintextOnLoopbackAndMutualTLSWithoutAToken() throws {
        let plain = try #require(try load(#"ppm.settings { listen = { address = "127.0.0.2:7070", token_file = "t", tls = false } }"#).listen)
        #expect(!plain.tls)
        let mutual = try #require(
            try load(#"ppm.settings { listen = { address = "[::]:7070", cert = "c.pem", key = "k.pem", ca = "/ca.pem" } }"#).listen)
        #expect(mutual.tokenFile == nil && mutual.certificates?.ca == "/ca.pem" && mutual.certificates?.cert.hasSuffix("/c.pem") == true)
    }

    @Test func withoutAnAllowListEveryoneMayOnlyRead() throws {
        let host = try load(#"ppm.settings { listen = { address = "127.0.0.1:7070", token_file = "/etc/ppm-lua/token" } }"#)
        let listen = try #require(host.listen)
        #expect(listen.rule(for: IPAddress.bytes("203.0.113.9")!)?.commands == [.status, .ls, .show, .why, .events, .stats, .logs, .watch])
        #expect(listen.rule(for: IPAddress.bytes("2001:db8::1")!)?.commands == ControlCommand.readOnly)
        #expect(listen.idleTimeout == 300 && listen.maxClients == 64)
    }

    @Test func badListenTablesNameTheirMistake() {
        let cases: [(String, String)] = [
            (
                #"address = "localhost:7070", token_file = "t""#,
                #"ppm.lua:1: ppm.settings: listen: 'address' must be a numeric IPv4 or [IPv6] address and a port, e.g. "127.0.0.1:7070" or "[::]:7070"; got "localhost:7070""#
            ),
            (#"address = "127.0.0.1:70000", token_file = "t""#, "'address' must be a numeric IPv4"),
            (#"address = "127.0.0.1:7070""#, "'token_file' must name the file holding the shared secret"),
            (
                #"address = "127.0.0.1:7070", token_file = "t", allow = { ["10.0.0.0/8"] = { "evil" } }"#,
                #"allow["10.0.0.0/8"]: unknown command 'evil' (did you mean 'eval'?)"#
            ),
            (
                #"address = "127.0.0.1:7070", token_file = "t", allow = { ["10.0.0.0/88"] = { "read" } }"#,
                "allow: '10.0.0.0/88' is not a network"
            ),
            (
                #"address = "127.0.0.1:7070", token_file = "t", allow = { ["10.0.0.1"] = "read" }"#,
                #"allow["10.0.0.1"] must be a list of command names"#
            ),
            (#"address = "127.0.0.1:7070", token_file = "t", allow = { ["10.0.0.1"] = { "interrupt" } }"#, "unknown command 'interrupt'"),
            (#"address = "127.0.0.1:7070", token_file = "t", allow = {}"#, "'allow' is empty: no client could connect"),
            (#"address = "127.0.0.1:7070", token_file = "t", idle_timeout = 0"#, "'idle_timeout' must be a positive duration"),
            (#"address = "127.0.0.1:7070", token_file = "t", max_clients = 0"#, "'max_clients' must be a whole number of at least 1"),
            (#"address = "127.0.0.1:7070", token_file = "t", adress = 1"#, "unknown field 'adress' (did you mean 'address'?)"),
            (
                #"address = "10.0.0.5:7070", token_file = "t", tls = false"#,
                "listen: tls = false is accepted only on a loopback address (127.0.0.0/8 or [::1]), not 10.0.0.5:7070: remove it"
            ),
            (#"address = "[::]:7070", token_file = "t", tls = false"#, "tls = false is accepted only on a loopback address"),
            (#"address = "127.0.0.1:7070", token_file = "t", tls = "no""#, "'tls' must be true or false"),
            (#"address = "127.0.0.1:7070", cert = "c.pem", key = "k.pem""#, "mutual TLS needs all of 'cert', 'key' and 'ca' (missing: ca)"),
            (#"address = "127.0.0.1:7070", cert = "c", key = "k", ca = "a", tls = false"#, "'cert', 'key' and 'ca' need TLS"),
        ]
        for (fields, expected) in cases {
            let error = configError("ppm.settings { listen = { \(fields) } }")
            #expect(error.contains(expected), "\(fields) → \(error)")
        }
        #expect(configError(#"ppm.settings { listen = "127.0.0.1:7070" }"#).contains("'listen' must be a table"))
    }

    @Test func theListenerCannotBeChangedAtRunTime() throws {
        let rig = try ScriptRig("")
        let error = #expect(throws: LuaError.self) {
            try rig.host.eval(#"ppm.settings { listen = { address = "127.0.0.1:7070", token_file = "t" } }"#, budget: 1)
        }
        #expect(error?.message.contains("'listen' is read from the config when the daemon starts") == true)
        #expect(rig.host.listen == nil)
    }
}
