/// A pending timer; `cancel()` makes sure it never fires.
public final class TimerToken {
    private var onCancel: (() -> Void)?
    public private(set) var isCancelled = false

    public init(onCancel: (() -> Void)? = nil) { self.onCancel = onCancel }

    public func cancel() {
        guard !isCancelled else { return }
        isCancelled = true
        onCancel?()
        onCancel = nil
    }
}

/// The two clocks of the daemon: monotonic for every duration, wall time
/// only for the `time` and `utc` fields.
public protocol Clock: AnyObject {
    /// Seconds on a monotonic clock: runtimes, uptimes, backoff resets.
    var now: Double { get }
    /// Unix time in seconds.
    var wallNow: Double { get }
}

/// The clock and timers the daemon runs on: Dispatch timers on its loop
/// queue; tests use a manual clock.
public protocol Scheduler: Clock {
    /// Runs `action` on the loop after `seconds`.
    func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerToken
}

/// Starts and signals processes. The daemon uses `LinuxSpawner`; tests a fake.
public protocol Spawner: AnyObject {
    /// Starts the service's process in its own process group (pgid = pid),
    /// its stdout/stderr on the given pipe ends (-1: the spec's files).
    func spawn(_ spec: ServiceSpec, output: ChildOutput) -> Result<Int32, SpawnFailure>
    /// Sends `signal` to every process of the group.
    func signalGroup(_ pgid: Int32, _ signal: Int32)
    /// Whether any process of the group is still alive.
    func groupAlive(_ pgid: Int32) -> Bool
    /// Drops what was kept for a removed service (a prepared command).
    func forget(_ name: String)
}

/// Takes the pidfd of each child the spawner starts, to reap it through
/// that pidfd (no scan over every child of the daemon per exit).
public protocol ChildWatcher: AnyObject {
    /// Owns `pidfd` (close-on-exec) from now on; the child is `pid`.
    func watch(child pid: Int32, pidfd: Int32)
}

/// Sees processes that are not children end (adopted ones): a pidfd each.
public protocol ProcessWatcher: AnyObject {
    /// Calls `exited` once `pid` has ended; false when it cannot be watched
    /// (it is already gone).
    func watch(_ pid: Int32, exited: @escaping () -> Void) -> Bool
}

/// Why a process could not be started, ready for the `spawn_failed` event.
public struct SpawnFailure: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
