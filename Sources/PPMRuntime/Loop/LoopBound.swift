package import Dispatch

/// A value that may travel to other queues but is used only on its own
/// (swift-nio's `NIOLoopBound`): reading it elsewhere stops the program, so
/// a confinement mistake fails loudly instead of racing.
package struct LoopBound<Value>: @unchecked Sendable {
    private let stored: Value
    /// The queue the value belongs to (nil: not checked, for tests without a loop).
    package let queue: DispatchQueue?

    package init(_ value: Value, queue: DispatchQueue?) {
        stored = value
        self.queue = queue
    }

    /// The value; call it on `queue` only.
    package var value: Value {
        if let queue { LoopConfinement.check(queue) }
        return stored
    }
}
