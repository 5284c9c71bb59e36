/// `X-Request-ID` values for one client connection: a random 64-bit connection prefix and a counter,
/// so ids are unique without a syscall or a lock per request.
struct RequestIDGenerator {
    private let prefix: String
    private var counter: UInt32 = 0

    init() {
        var rng = SystemRandomNumberGenerator()
        let value = rng.next() as UInt64
        let hex = String(value, radix: 16)
        prefix = String(repeating: "0", count: 16 - hex.count) + hex + "-"
    }

    mutating func next() -> String {
        counter &+= 1
        let hex = String(counter, radix: 16)
        return prefix + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
