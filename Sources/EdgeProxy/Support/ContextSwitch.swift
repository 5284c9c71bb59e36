import NIOCore
import Synchronization

/// The context in force for a listener's connections, swappable by a config reload without a lock on the
/// request path: each event loop has a box that only it reads (once per request head), and a reload updates
/// every box on its own loop.
final class ContextSwitch<Context: AnyObject & Sendable>: Sendable {
    /// One loop's view; read and written only on that loop.
    final class Box {
        var current: Context

        init(_ current: Context) {
            self.current = current
        }
    }

    private let boxes: EventLoopLocal<Box>
    private let latest: Mutex<Context>

    init(group: any EventLoopGroup, initial: Context) {
        boxes = EventLoopLocal(group: group) { _ in Box(initial) }
        latest = Mutex(initial)
    }

    /// The box of `loop` (call on that loop).
    func box(for loop: any EventLoop) -> Box {
        boxes.value(for: loop)
    }

    /// The newest context, from any thread.
    var current: Context { latest.withLock { $0 } }

    /// Puts `context` in force on every loop; returns once each loop has it.
    func update(_ context: Context) async {
        latest.withLock { $0 = context }
        _ = await boxes.collect { $0.current = context }
    }
}
