import EdgeCore
import Testing

@Suite("IPAddress, CIDR, HostPort and UpstreamURL parsing")
struct AddressParsingTests {
    @Test("IPv4 dotted quads", arguments: [
        ("0.0.0.0", UInt32(0)), ("127.0.0.1", 0x7F00_0001), ("255.255.255.255", 0xFFFF_FFFF),
        ("203.0.113.7", 0xCB00_7107), ("10.0.0.0", 0x0A00_0000),
    ])
    func ipv4(text: String, value: UInt32) {
        #expect(IPAddress(text) == .v4(value))
        #expect(IPAddress(text)?.description == text)
    }

    @Test("malformed IPv4 is refused", arguments: [
        "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "256.1.1.1", "1..2.3", "1.2.3.", ".1.2.3", "a.b.c.d",
        "1.2.3.4 ", " 1.2.3.4", "", "1.2.3.-4", "1.2.3.4/8",
    ])
    func badIPv4(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("IPv6 is parsed and formatted per RFC 5952", arguments: [
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::1", "::1"),
        ("::", "::"),
        ("1::", "1::"),
        ("fe80::1%eth0", "fe80::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),   // first of two equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), // a single zero group stays
        ("2001:db8::0:0:1", "2001:db8::1"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),                // the longest run wins
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),           // RFC 5952 4.2.2: one group is not shortened
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
    ])
    func ipv6(text: String, canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(!address.isIPv4)
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
    }

    @Test("IPv4-mapped IPv6 folds into IPv4")
    func mapped() {
        #expect(IPAddress("::ffff:1.2.3.4") == IPAddress("1.2.3.4"))
        #expect(IPAddress("::FFFF:102:304") == .v4(0x0102_0304))
        #expect(IPAddress("::ffff:1.2.3.4")?.description == "1.2.3.4")
        #expect(IPAddress(bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 1, 2, 3, 4]) == .v4(0x0102_0304))
        #expect(IPAddress(bytes: [127, 0, 0, 1]) == .v4(0x7F00_0001))
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }

    @Test("malformed IPv6 is refused", arguments: [
        "1::2::3", ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::",
        "g::1", ":::", "1:2:3:4:5:6:7:8::", "::1.2.3", "1.2.3.4::", "::1.2.3.4:5", "1::2:",
    ])
    func badIPv6(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("CIDR contains: IPv4 /0, /8, /32 and IPv6 /64")
    func cidrContains() throws {
        let all = try #require(CIDR("0.0.0.0/0"))
        #expect(all.contains(IPAddress("203.0.113.7")!))
        #expect(!all.contains(IPAddress("::1")!))

        let ten = try #require(CIDR("10.0.0.0/8"))
        #expect(ten.contains(IPAddress("10.255.1.2")!))
        #expect(!ten.contains(IPAddress("11.0.0.1")!))
        #expect(ten.contains(IPAddress("::ffff:10.1.1.1")!))

        let host = try #require(CIDR("192.168.1.7/32"))
        #expect(host.contains(IPAddress("192.168.1.7")!))
        #expect(!host.contains(IPAddress("192.168.1.8")!))
        #expect(CIDR("192.168.1.7") == host)

        let net = try #require(CIDR("2001:db8:1:2::/64"))
        #expect(net.contains(IPAddress("2001:db8:1:2:ffff::1")!))
        #expect(!net.contains(IPAddress("2001:db8:1:3::1")!))
        #expect(!net.contains(IPAddress("10.0.0.1")!))
        #expect(CIDR("::/0")?.contains(IPAddress("2001:db8::1")!) == true)
        #expect(CIDR("2001:db8::1/128")?.contains(IPAddress("2001:db8::1")!) == true)
        #expect(CIDR("2001:db8::/33")?.contains(IPAddress("2001:db8:8000::")!) == false)
    }

    @Test("CIDR clears host bits and renders canonically")
    func cidrDescription() {
        #expect(CIDR("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(CIDR("2001:DB8::1/32")?.description == "2001:db8::/32")
        #expect(CIDR("::1")?.description == "::1/128")
    }

    @Test("malformed CIDRs are refused", arguments: [
        "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "/8", "banana/8",
        "10.0.0.0/ 8", "10.0.0.0/٣",
    ])
    func badCIDR(text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test("HostPort parses IPv4, bracketed IPv6 and names")
    func hostPort() {
        #expect(HostPort(parsing: "127.0.0.1:8080") == HostPort(host: "127.0.0.1", port: 8080))
        #expect(HostPort(parsing: "[::1]:80") == HostPort(host: "::1", port: 80))
        #expect(HostPort(parsing: "localhost:0") == HostPort(host: "localhost", port: 0))
        #expect(HostPort(parsing: "example.com:65535")?.port == 65535)
        #expect(HostPort(host: "::1", port: 80).description == "[::1]:80")
        #expect(HostPort(host: "127.0.0.1", port: 80).description == "127.0.0.1:80")
    }

    @Test("malformed host:port is refused", arguments: [
        ":80", "1.2.3.4:70000", "1.2.3.4", "1.2.3.4:", "[::1]", "[::1]80", "::1:80", "[nope]:80", "[]:80",
        "a b:80", "host:8o", "host:+80", "host:-1", "a/b:80", "[::1:80", "1.2.3:80", "01.2.3.4:80",
    ])
    func badHostPort(text: String) {
        #expect(HostPort(parsing: text) == nil)
    }

    @Test("loopback detection")
    func loopback() {
        #expect(HostPort(host: "127.0.0.1", port: 1).isLoopback)
        #expect(HostPort(host: "127.9.9.9", port: 1).isLoopback)
        #expect(HostPort(host: "::1", port: 1).isLoopback)
        #expect(HostPort(host: "localhost", port: 1).isLoopback)
        #expect(HostPort(host: "::ffff:127.0.0.1", port: 1).isLoopback)
        #expect(!HostPort(host: "0.0.0.0", port: 1).isLoopback)
        #expect(!HostPort(host: "::", port: 1).isLoopback)
        #expect(!HostPort(host: "10.0.0.1", port: 1).isLoopback)
        #expect(!HostPort(host: "example.com", port: 1).isLoopback)
    }

    @Test("upstream URLs with default ports, IPv6 and gateway paths")
    func upstreamURL() {
        #expect(UpstreamURL(parsing: "http://127.0.0.1:7070")
                == UpstreamURL(scheme: .http, host: "127.0.0.1", port: 7070))
        #expect(UpstreamURL(parsing: "https://api.example.com")?.port == 443)
        #expect(UpstreamURL(parsing: "http://backend")?.port == 80)
        #expect(UpstreamURL(parsing: "ws://[::1]:7071/") == UpstreamURL(scheme: .ws, host: "::1", port: 7071))
        #expect(UpstreamURL(parsing: "wss://[::1]")?.port == 443)
        #expect(UpstreamURL(parsing: "ws://gw:1/socket")?.path == "/socket")
        #expect(UpstreamURL(parsing: "ws://[::1]:7071/socket")?.description == "ws://[::1]:7071/socket")
    }

    @Test("malformed upstream URLs are refused", arguments: [
        "127.0.0.1:7070", "ftp://a:1", "http:/a:1", "http://", "http://:80", "http://a:0", "http://a:99999",
        "http://user@a:1", "http://a:1/?x=1", "http://a:1/#top", "http://a b:1", "http://a:1/x y", "HTTP://a:1",
        "http://1.2.3", "http://01.2.3.4:80",
    ])
    func badUpstreamURL(text: String) {
        #expect(UpstreamURL(parsing: text) == nil)
    }
}
