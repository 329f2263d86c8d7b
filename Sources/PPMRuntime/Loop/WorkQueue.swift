import CSystem
import Dispatch
import Glibc

/// Where confined work runs: a Dispatch queue, or a `WorkerThread`.
package protocol WorkQueue: AnyObject, Sendable {
    /// Runs `work` there, after what was asked before.
    func perform(_ work: @escaping @Sendable () -> Void)
    /// Calls `handler` there whenever `fd` is readable; the returned token
    /// (if any) must be kept as long as the watch.
    func onReadable(_ fd: Int32, _ handler: @escaping () -> Void) -> AnyObject?
}

/// A Dispatch queue as a `WorkQueue` (where no thread limit matters: tests,
/// clients, the loop's own queue).
extension DispatchQueue: WorkQueue {
    /// `async(execute:)`.
    package func perform(_ work: @escaping @Sendable () -> Void) { async(execute: work) }

    /// A read source on this queue, returned to be kept.
    package func onReadable(_ fd: Int32, _ handler: @escaping () -> Void) -> AnyObject? {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: self)
        source.setEventHandler(handler: handler)
        source.resume()
        return source as AnyObject
    }
}
