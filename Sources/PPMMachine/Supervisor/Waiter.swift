/// Someone waiting for a request to complete (a control client's reply).
/// The loop maps it to the closure to call.
public struct Waiter: Sendable, Hashable {
    public let id: Int
    public init(id: Int) { self.id = id }
}
