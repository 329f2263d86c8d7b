/// Runs handlers on the loop's queue when descriptors have input: the
/// daemon's one epoll set, so that a thousand services' output pipes cost no
/// Dispatch source each (a source, its handlers and their registration came
/// to about 600 bytes of heap per pipe).
package protocol ReadinessWatcher: AnyObject {
    /// Calls `readable` on the loop's queue whenever `fd` has input (or all
    /// its writers are gone), until `forget(fd)`; false if `fd` cannot be watched.
    func watchReadable(_ fd: Int32, _ readable: @escaping () -> Void) -> Bool
    /// Stops watching `fd`; call before closing it.
    func forget(_ fd: Int32)
}
