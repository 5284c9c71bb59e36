import Foundation
import Synchronization

/// Makes Ayaka snowflake ids: 41 bits of milliseconds since ``SnowflakeGenerator/epoch``, 5 bits datacenter,
/// 5 bits worker and a 12-bit sequence, most significant first.
///
/// Ids are unique and strictly increasing across threads. When 4096 ids were made in one millisecond the
/// generator waits for the next one; when the wall clock steps backwards it keeps counting from the last
/// timestamp it used (borrowing milliseconds ahead rather than ever repeating or decreasing an id).
final class SnowflakeGenerator: Sendable {
    /// 2020-01-01T00:00:01Z in Unix milliseconds: the seed's epoch `1577836801` seconds.
    static let epoch: Int64 = 1_577_836_801_000
    static let sequenceBits = 12
    static let workerBits = 5
    static let datacenterBits = 5
    static let maxSequence: Int64 = (1 << sequenceBits) - 1

    private struct State {
        var lastTimestamp: Int64 = -1
        var sequence: Int64 = 0
    }

    let workerID: Int64
    let datacenterID: Int64
    private let now: @Sendable () -> Int64
    private let state = Mutex(State())

    /// - Parameters:
    ///   - workerID: 0–31; defaults to the process id modulo 32.
    ///   - datacenterID: 0–31; Ayaka uses 0.
    ///   - now: Unix time in milliseconds (injectable for tests).
    init(
        workerID: Int64 = Int64(ProcessInfo.processInfo.processIdentifier) % 32,
        datacenterID: Int64 = 0,
        now: @escaping @Sendable () -> Int64 = SnowflakeGenerator.wallClockMilliseconds
    ) {
        precondition((0..<32).contains(workerID) && (0..<32).contains(datacenterID))
        self.workerID = workerID
        self.datacenterID = datacenterID
        self.now = now
    }

    /// The next id.
    func next() -> Int64 {
        let (timestamp, sequence) = self.state.withLock { state -> (Int64, Int64) in
            let current = self.now() - Self.epoch
            if current > state.lastTimestamp {
                state.lastTimestamp = current
                state.sequence = 0
            } else {
                state.sequence += 1
                if state.sequence > Self.maxSequence {
                    if current == state.lastTimestamp {
                        // Sequence exhausted in this millisecond: wait for the clock to tick.
                        var later = self.now() - Self.epoch
                        while later <= state.lastTimestamp {
                            later = self.now() - Self.epoch
                        }
                        state.lastTimestamp = later
                    } else {
                        // The clock went backwards: never reuse or go below the last timestamp.
                        state.lastTimestamp += 1
                    }
                    state.sequence = 0
                }
            }
            return (state.lastTimestamp, state.sequence)
        }
        return Self.compose(timestamp: timestamp, datacenterID: datacenterID, workerID: workerID, sequence: sequence)
    }

    static func compose(timestamp: Int64, datacenterID: Int64, workerID: Int64, sequence: Int64) -> Int64 {
        (timestamp << 22) | (datacenterID << 17) | (workerID << 12) | sequence
    }

    /// Splits an id into its fields.
    static func decompose(_ id: Int64) -> (timestamp: Int64, datacenterID: Int64, workerID: Int64, sequence: Int64) {
        (id >> 22, (id >> 17) & 0x1F, (id >> 12) & 0x1F, id & maxSequence)
    }

    @Sendable static func wallClockMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
