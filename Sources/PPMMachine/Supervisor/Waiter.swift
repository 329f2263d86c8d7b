/// Someone waiting for a request to complete (a control client's reply).
/// The loop maps it to the closure to call.
package struct Waiter: Sendable, Hashable {
    package let id: Int
    package init(id: Int) { self.id = id }
}
