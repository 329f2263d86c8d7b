import CSystem
package import Dispatch

/// Which thread may touch what is confined to a queue. Work of the daemon's
/// loop queue runs on the main thread in two ways: drained from Dispatch
/// (`async`, the main queue), or served directly by the main loop's own
/// epoll wait (a `ReadinessSet` on the loop). Dispatch knows only of the
/// first, so the second marks the thread while it runs (`serving`).
package enum LoopConfinement {
    /// Runs `body` as work of `queue` on this thread, outside Dispatch:
    /// `check(queue)` passes inside it.
    @inline(__always)
    package static func serving(_ queue: DispatchQueue, _ body: () -> Void) {
        let before = ppm_serving_queue()
        ppm_set_serving_queue(Unmanaged.passUnretained(queue).toOpaque())
        defer { ppm_set_serving_queue(before) }
        body()
    }

    /// Stops the program unless called from `queue`'s work (Dispatch's or
    /// `serving`'s): `dispatchPrecondition(condition: .onQueue(queue))`
    /// that also knows the main loop's direct turns.
    @inline(__always)
    package static func check(_ queue: DispatchQueue) {
        if ppm_serving_queue() == UnsafeRawPointer(Unmanaged.passUnretained(queue).toOpaque()) { return }
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
