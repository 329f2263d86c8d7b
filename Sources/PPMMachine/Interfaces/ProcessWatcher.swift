/// Sees processes that may not be children end (adopted ones, a main
/// process named by sd_notify's `MAINPID=`): a pidfd each.
package protocol ProcessWatcher: AnyObject {
    /// Calls `exited` once `pid` has ended, with its status when it was the
    /// daemon's child by then (reaped here), else `.unknown`, and when it
    /// last ran (`ProcessEnd.lastRan`); false when it cannot be watched (it
    /// is already gone).
    func watch(_ pid: Int32, exited: @escaping (ExitStatus, _ ended: Double?) -> Void) -> Bool
}
