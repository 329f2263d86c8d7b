import PPMProtocol
import Testing

@Suite struct ClientNetworkTests {
    @Test func matchesAddressesInsideThePrefixOnly() throws {
        let lan = try #require(ClientNetwork("10.1.0.0/16"))
        #expect(lan.contains(IPAddress.bytes("10.1.200.3")!))
        #expect(!lan.contains(IPAddress.bytes("10.2.0.1")!))
        #expect(!lan.contains(IPAddress.bytes("::ffff:10.1.0.1")!), "an IPv6 address never matches an IPv4 network")
        let odd = try #require(ClientNetwork("192.168.1.77/26"))
        #expect(odd.description == "192.168.1.64/26")
        #expect(odd.contains(IPAddress.bytes("192.168.1.127")!) && !odd.contains(IPAddress.bytes("192.168.1.128")!))
        let host = try #require(ClientNetwork("127.0.0.2"))
        #expect(host.description == "127.0.0.2/32")
        #expect(!host.contains(IPAddress.bytes("127.0.0.1")!))
        let v6 = try #require(ClientNetwork("fd00::/8"))
        #expect(v6.contains(IPAddress.bytes("fd12:3456::1")!) && !v6.contains(IPAddress.bytes("fe80::1")!))
        #expect(ClientNetwork("0.0.0.0/0")!.contains(IPAddress.bytes("203.0.113.9")!))
    }

    @Test func refusesWhatIsNotANetwork() {
        for text in ["10.0.0.0/33", "10.0.0/8", "web", "10.0.0.0/", "10.0.0.0/-1", "::1/129", "10.0.0.0/8/8", ""] {
            #expect(ClientNetwork(text) == nil, "\(text)")
        }
    }

    @Test func ipv4ClientsOfAnIPv6SocketCountAsIPv4() {
        #expect(IPAddress.unmapped(IPAddress.bytes("::ffff:127.0.0.2")!) == [127, 0, 0, 2])
        #expect(IPAddress.unmapped(IPAddress.bytes("::1")!).count == 16)
        #expect(IPAddress.text(IPAddress.bytes("2001:db8::1")!) == "2001:db8::1")
    }
}
