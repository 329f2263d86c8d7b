/// Takes the pidfd of each child the spawner starts, to reap it through
/// that pidfd (no scan over every child of the daemon per exit).
package protocol ChildWatcher: AnyObject {
    /// Owns `pidfd` (close-on-exec) from now on; the child is `pid`.
    func watch(child pid: Int32, pidfd: Int32)
}
