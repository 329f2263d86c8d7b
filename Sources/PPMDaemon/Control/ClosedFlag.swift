import Synchronization

/// Whether a connection has closed, set on its queue and read from any
/// other (the loop skips requests of a connection that is gone).
final class ClosedFlag: Sendable {
    private let value = Atomic<Bool>(false)

    /// Marks the connection closed.
    func set() { value.store(true, ordering: .releasing) }

    /// Whether it has closed.
    var isSet: Bool { value.load(ordering: .acquiring) }
}
