/// Sees processes that are not children end (adopted ones): a pidfd each.
public protocol ProcessWatcher: AnyObject {
    /// Calls `exited` once `pid` has ended; false when it cannot be watched
    /// (it is already gone).
    func watch(_ pid: Int32, exited: @escaping () -> Void) -> Bool
}
