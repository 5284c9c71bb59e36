import Foundation
import PropertyBased

/// Sizes and shared pieces of the fuzz suites.
///
/// `AYAKA_FUZZ_COUNT` sets how many inputs each property feeds (default 2,000, the CI size); the long run
/// is `AYAKA_FUZZ_COUNT=100000 swift test -c release --filter Fuzz` (docs/operations.md).
enum Fuzz {
    static let count: Int = {
        let text = ProcessInfo.processInfo.environment["AYAKA_FUZZ_COUNT"] ?? ""
        return Int(text).map { max($0, 1) } ?? 2_000
    }()

    /// A mutation of a byte string: what to do, where (taken modulo the length) and with which byte.
    typealias Mutation = (kind: Int, position: Int, byte: UInt8)

    /// Up to six mutations per input.
    static let mutations = zip(Gen.int(in: 0...7), Gen.int(in: 0...100_000), Gen.uint8()).array(of: 0...6)

    /// Random bytes, mostly printable ASCII with CR, LF, NUL and high bytes mixed in.
    static let noise = Gen.frequency(
        (weight: 6, gen: Gen.uint8(in: 0x20...0x7E)),
        (weight: 1, gen: Gen.element(of: [0x0D, 0x0A, 0x00, 0x09, 0x3A, 0xFF] as [UInt8])),
        (weight: 1, gen: Gen.uint8())
    ).array(of: 0...400)

    /// Applies `mutations` to `input`; `tokens` are spliced in by one of the kinds.
    static func mutate(_ input: [UInt8], with mutations: [Mutation], tokens: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for mutation in mutations {
            let at = bytes.isEmpty ? 0 : mutation.position % (bytes.count + 1)
            switch mutation.kind {
            case 0:  // replace a byte
                if at < bytes.count { bytes[at] = mutation.byte }
            case 1:  // insert a byte
                bytes.insert(mutation.byte, at: at)
            case 2:  // delete a run
                let end = min(bytes.count, at + Int(mutation.byte % 16) + 1)
                if at < end { bytes.removeSubrange(at..<end) }
            case 3:  // duplicate a run
                let end = min(bytes.count, at + Int(mutation.byte) + 1)
                if at < end { bytes.insert(contentsOf: bytes[at..<end], at: at) }
            case 4, 5:  // splice a token in
                bytes.insert(contentsOf: tokens[Int(mutation.byte) % tokens.count], at: at)
            case 6:  // truncate
                bytes.removeSubrange(at...)
            default:  // repeat a token many times (long lines, deep nesting)
                let token = tokens[Int(mutation.byte) % tokens.count]
                for _ in 0..<(mutation.position % 300) { bytes.insert(contentsOf: token, at: at) }
            }
        }
        return bytes
    }
}
