/// Polls `condition` every 10 ms for up to 4 s; its last value (for conditions that become true as
/// connections close or counters settle on other threads).
func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<400 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
