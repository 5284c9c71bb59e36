/// Identifies one bucket: a client address and the index of a rule (`LimitPolicy.index`).
///
/// IPv4 is stored as the IPv4-mapped IPv6 value (`::ffff:a.b.c.d`), which `IPAddress` never produces as
/// `.v6`, so the two families cannot collide. 24 bytes, no references.
public struct BucketKey: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64
    public var rule: UInt32

    public init(client: IPAddress, rule: UInt32) {
        switch client {
        case .v4(let value):
            high = 0
            low = 0xFFFF_0000_0000 | UInt64(value)
        case .v6(let high, let low):
            self.high = high
            self.low = low
        }
        self.rule = rule
    }

    /// The client address back from the key.
    public var client: IPAddress {
        if high == 0, low >> 32 == 0xFFFF { return .v4(UInt32(truncatingIfNeeded: low)) }
        return .v6(high: high, low: low)
    }

    /// A cheap, well-mixed 64-bit hash used to pick a shard (not the dictionary's seeded hash).
    var shardHash: UInt64 {
        var x = high &* 0x9E37_79B9_7F4A_7C15 ^ low ^ UInt64(rule) &* 0xC2B2_AE3D_27D4_EB4F
        x ^= x >> 33
        x = x &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        return x
    }
}
