import NIOCore

/// One value per event loop of a group, built once, looked up by a channel's own loop. The values are used
/// only on their loop (so they need no lock); the table itself is immutable after init.
final class EventLoopLocal<Value>: @unchecked Sendable {
    // @unchecked: `values` never changes after init, and each value is touched only on its own event loop.
    private let values: [ObjectIdentifier: Value]
    let loops: [any EventLoop]

    init(group: any EventLoopGroup, make: (any EventLoop) -> Value) {
        var values: [ObjectIdentifier: Value] = [:]
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() {
            values[ObjectIdentifier(loop)] = make(loop)
            loops.append(loop)
        }
        self.values = values
        self.loops = loops
    }

    func value(for loop: any EventLoop) -> Value {
        guard let value = values[ObjectIdentifier(loop)] else {
            preconditionFailure("event loop \(loop) is not part of the proxy's group")
        }
        return value
    }

    /// Runs `body` with each loop's value, on that loop, and collects the results.
    func collect<Result: Sendable>(_ body: @escaping @Sendable (Value) -> Result) async -> [Result] {
        var results: [Result] = []
        for loop in loops {
            let values = self
            if let result = try? await loop.submit({ body(values.value(for: loop)) }).get() {
                results.append(result)
            }
        }
        return results
    }
}
