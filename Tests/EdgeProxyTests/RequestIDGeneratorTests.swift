import NIOCore
import Testing

@testable import EdgeProxy

@Suite struct RequestIDGeneratorTests {
    @Test func idsAreAConnectionPrefixAndACounterInHex() {
        var ids = RequestIDGenerator()
        let first = ids.next().description
        let second = ids.next().description
        for id in [first, second] {
            #expect(id.utf8.count == 25)
            #expect(Array(id)[16] == "-")
            #expect(id.replacingOccurrences(of: "-", with: "").allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        #expect(first.prefix(17) == second.prefix(17))
        #expect(first.hasSuffix("-00000001"))
        #expect(second.hasSuffix("-00000002"))
        for _ in 0..<253 { _ = ids.next() }
        #expect(ids.next().description.hasSuffix("-00000100"))
        // Another connection draws another random prefix.
        var other = RequestIDGenerator()
        #expect(other.next().description.prefix(16) != first.prefix(16))
    }

    /// A made id is written into a head as its text, and counted as long as that text; a client's id as sent.
    @Test func idsAreWrittenIntoHeadsAsTheirText() {
        let ids: [RequestID] = [
            .generated(prefix: 0x0123_4567_89AB_CDEF, counter: 0xFEDC_BA98), .generated(prefix: 0, counter: 1),
            .given("client-chosen id"), .none,
        ]
        let expected = ["0123456789abcdef-fedcba98", "0000000000000000-00000001", "client-chosen id", ""]
        for (id, text) in zip(ids, expected) {
            #expect(id.description == text)
            #expect(id.utf8Count == text.utf8.count)
            #expect(id.isEmpty == text.isEmpty)
            var buffer = ByteBufferAllocator().buffer(capacity: 0)
            HeadWriter.write(into: &buffer, bound: id.utf8Count) { id.write(into: &$0) }
            #expect(String(buffer: buffer) == text)
            var field = ByteBufferAllocator().buffer(capacity: 0)
            HeadWriter.write(into: &field, bound: id.utf8Count + 16) { id.writeField(into: &$0) }
            #expect(String(buffer: field) == (text.isEmpty ? "" : "X-Request-ID: \(text)\r\n"))
        }
    }
}
