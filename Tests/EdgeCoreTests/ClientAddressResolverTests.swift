import Testing
@testable import EdgeCore

@Suite struct ClientAddressResolverTests {
    let resolver = ClientAddressResolver(trustedProxies: [CIDR("10.0.0.0/8")!, CIDR("fd00::/8")!])

    func resolve(_ peer: String, _ headers: [String]) -> String {
        resolver.resolve(peer: ip(peer), forwardedFor: headers.map { $0[...] }).description
    }

    @Test func untrustedPeerIgnoresForwardedFor() {
        #expect(resolve("203.0.113.9", ["1.2.3.4"]) == "203.0.113.9")
        #expect(resolve("2001:db8::9", ["1.2.3.4, 10.0.0.1"]) == "2001:db8::9")
        let none = ClientAddressResolver(trustedProxies: [])
        #expect(none.resolve(peer: ip("10.0.0.1"), forwardedFor: ["1.2.3.4"]) == ip("10.0.0.1"))
    }

    @Test func trustedPeerWithoutHeaderIsTheClient() {
        #expect(resolve("10.0.0.1", []) == "10.0.0.1")
        #expect(resolve("10.0.0.1", [""]) == "10.0.0.1")
    }

    @Test func walksRightToLeftSkippingTrustedHops() {
        #expect(resolve("10.0.0.1", ["203.0.113.7"]) == "203.0.113.7")
        #expect(resolve("10.0.0.1", ["198.51.100.1, 203.0.113.7, 10.1.1.1"]) == "203.0.113.7")
        #expect(resolve("10.0.0.1", ["198.51.100.1,203.0.113.7 ,  10.1.1.1 "]) == "203.0.113.7")
        // Several headers are one list, in order.
        #expect(resolve("10.0.0.1", ["198.51.100.1, 203.0.113.7", "10.2.2.2", "10.3.3.3"]) == "203.0.113.7")
    }

    @Test func spoofedLeftEntriesDoNotWin() {
        // The client prepended a fake address; the nearest untrusted hop is still the real one.
        #expect(resolve("10.0.0.1", ["6.6.6.6, 203.0.113.7"]) == "203.0.113.7")
    }

    @Test func allTrustedGivesTheLeftmost() {
        #expect(resolve("10.0.0.1", ["10.9.9.9, 10.8.8.8"]) == "10.9.9.9")
    }

    @Test func ipv6FormsAndPorts() {
        #expect(resolve("fd00::1", ["2001:DB8::7"]) == "2001:db8::7")
        #expect(resolve("fd00::1", ["[2001:db8::7]"]) == "2001:db8::7")
        #expect(resolve("fd00::1", ["[2001:db8::7]:443"]) == "2001:db8::7")
        #expect(resolve("fd00::1", ["203.0.113.7:5555"]) == "203.0.113.7")
        #expect(resolve("10.0.0.1", ["2001:db8::1, [fd00::2]:80"]) == "2001:db8::1")
        #expect(resolve("::ffff:10.0.0.1", ["::ffff:203.0.113.7"]) == "203.0.113.7")
    }

    @Test func garbageStopsTheWalkAtTheLastGoodHop() {
        #expect(resolve("10.0.0.1", ["203.0.113.7, unknown"]) == "10.0.0.1")
        #expect(resolve("10.0.0.1", ["203.0.113.7, garbage, 10.5.5.5"]) == "10.5.5.5")
        #expect(resolve("10.0.0.1", ["1.2.3.4:99999"]) == "10.0.0.1")
        #expect(resolve("10.0.0.1", ["[2001:db8::1"]) == "10.0.0.1")
        #expect(resolve("10.0.0.1", ["[1.2.3.4]"]) == "10.0.0.1")
        #expect(resolve("10.0.0.1", ["01.2.3.4"]) == "10.0.0.1")
        // Empty entries are skipped, not garbage.
        #expect(resolve("10.0.0.1", ["203.0.113.7,, "]) == "203.0.113.7")
    }
}

@Suite struct ClientAddressStringHeaderTests {
    @Test func stringHeadersGiveTheSameAnswer() {
        let resolver = ClientAddressResolver(trustedProxies: [CIDR("127.0.0.0/8")!])
        let headers = ["192.0.2.1, 198.51.100.2", "127.0.0.2"]
        #expect(resolver.resolve(peer: ip("127.0.0.1"), forwardedFor: headers) == ip("198.51.100.2"))
        #expect(resolver.resolve(peer: ip("127.0.0.1"), forwardedFor: headers.map { $0[...] }) == ip("198.51.100.2"))
        #expect(resolver.resolve(peer: ip("192.0.2.9"), forwardedFor: headers) == ip("192.0.2.9"))
    }
}
