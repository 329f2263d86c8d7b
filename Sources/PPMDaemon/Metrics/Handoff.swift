/// A value passed to another queue once, and dropped where it is taken (so
/// a big buffer is freed by its last user, not whenever a closure goes).
final class Handoff<Value>: @unchecked Sendable {
    private var value: Value?
    init(_ value: Value) { self.value = value }
    /// The value, once; nil after.
    func take() -> Value? {
        defer { value = nil }
        return value
    }
}
