import Foundation
import PropertyBased
import Synchronization

/// Sizes and shared pieces of the fuzz suites.
///
/// `AYAKA_FUZZ_COUNT` sets how many inputs each property feeds (default 2,000, the CI size); the long run
/// is `AYAKA_FUZZ_COUNT=100000 swift test -c release --filter Fuzz` (docs/operations.md).
enum Fuzz {
    static let count: Int = {
        let text = ProcessInfo.processInfo.environment["AYAKA_FUZZ_COUNT"] ?? ""
        return Int(text).map { max($0, 1) } ?? 2_000
    }()

    /// Counts the inputs a property was actually fed.
    final class Tally: Sendable {
        private let value = Atomic<Int>(0)
        func add() { value.add(1, ordering: .relaxed) }
        var count: Int { value.load(ordering: .relaxed) }
    }

    /// One line per property in the test log: `fuzz: request path: 100000 inputs in 93.1 s`.
    static func report(_ name: String, inputs: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("fuzz: \(name): \(inputs) inputs in \(String(format: "%.1f", seconds)) s, no crash")
    }

    /// A mutation of a byte string: what to do, where (taken modulo the length) and with which byte.
    typealias Mutation = (kind: Int, position: Int, byte: UInt8)

    /// Up to six mutations per input.
    static let mutations = zip(Gen.int(in: 0...7), Gen.int(in: 0...100_000), Gen.uint8()).array(of: 0...6)

    /// Random bytes, mostly printable ASCII with CR, LF, NUL and high bytes mixed in.
    static let noise = zip(Gen.int(in: 0...7), Gen.uint8()).map { kind, byte -> UInt8 in
        switch kind {
        case 0...5: 0x20 + byte % 95
        case 6: [0x0D, 0x0A, 0x00, 0x09, 0x3A, 0xFF][Int(byte) % 6]
        default: byte
        }
    }.array(of: 0...400)

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
