import Testing

@testable import EdgeProxy

@Suite struct RequestIDGeneratorTests {
    @Test func idsAreAConnectionPrefixAndACounterInHex() {
        var ids = RequestIDGenerator()
        let first = ids.next()
        let second = ids.next()
        for id in [first, second] {
            #expect(id.utf8.count == 25)
            #expect(Array(id)[16] == "-")
            #expect(id.replacingOccurrences(of: "-", with: "").allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        #expect(first.prefix(17) == second.prefix(17))
        #expect(first.hasSuffix("-00000001"))
        #expect(second.hasSuffix("-00000002"))
        for _ in 0..<253 { _ = ids.next() }
        #expect(ids.next().hasSuffix("-00000100"))
        // Another connection draws another random prefix.
        var other = RequestIDGenerator()
        #expect(other.next().prefix(16) != first.prefix(16))
    }
}
