/// `X-Request-ID` values for one client connection: a random 64-bit connection prefix and a counter,
/// so ids are unique without a syscall or a lock per request. Each id is written straight into its String's
/// storage (16 hex digits, `-`, 8 hex digits): one allocation per request.
struct RequestIDGenerator {
    private let prefix: UInt64
    private var counter: UInt32 = 0

    init() {
        var rng = SystemRandomNumberGenerator()
        prefix = rng.next()
    }

    mutating func next() -> String {
        counter &+= 1
        let prefix = self.prefix
        let counter = self.counter
        return String(unsafeUninitializedCapacity: 25) { bytes in
            let digits: StaticString = "0123456789abcdef"
            func hex(_ value: UInt64, digitCount: Int, at start: Int) {
                for i in 0..<digitCount {
                    let nibble = Int((value >> UInt64(4 * (digitCount - 1 - i))) & 0xF)
                    bytes[start + i] = digits.utf8Start[nibble]
                }
            }
            hex(prefix, digitCount: 16, at: 0)
            bytes[16] = UInt8(ascii: "-")
            hex(UInt64(counter), digitCount: 8, at: 17)
            return 25
        }
    }
}
