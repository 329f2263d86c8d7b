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
    /// Drops what was kept for a removed service (a prepared command, its cgroup).
    func forget(_ name: String)
    /// Sends `signal` to everything the service runs: its process group and,
    /// where services have cgroups, every process of its cgroup.
    func signalService(_ name: String, pgid: Int32, _ signal: Int32)
    /// Whether anything the service ran is still alive (group or cgroup).
    func serviceAlive(_ name: String, pgid: Int32) -> Bool
    /// After the service's leader exited on its own: sends `signal` to what it
    /// left (its group, the processes in its cgroup now) and returns what
    /// sends those same processes SIGKILL later, or nil when nothing is left.
    /// A process the next run starts is never among them.
    func endLeftovers(_ name: String, pgid: Int32, signal: Int32) -> (() -> Void)?
}

/// Process groups only (fakes, and spawners without cgroups).
extension Spawner {
    public func signalService(_ name: String, pgid: Int32, _ signal: Int32) { signalGroup(pgid, signal) }

    public func serviceAlive(_ name: String, pgid: Int32) -> Bool { groupAlive(pgid) }

    public func endLeftovers(_ name: String, pgid: Int32, signal: Int32) -> (() -> Void)? {
        guard groupAlive(pgid) else { return nil }
        signalGroup(pgid, signal)
        return { [self] in if groupAlive(pgid) { signalGroup(pgid, 9) } }
    }
}

/// Takes the pidfd of each child the spawner starts, to reap it through
/// that pidfd (no scan over every child of the daemon per exit).
public protocol ChildWatcher: AnyObject {
    /// Owns `pidfd` (close-on-exec) from now on; the child is `pid`.
    func watch(child pid: Int32, pidfd: Int32)
}

/// Sees processes that may not be children end (adopted ones, a main
/// process named by sd_notify's `MAINPID=`): a pidfd each.
public protocol ProcessWatcher: AnyObject {
    /// Calls `exited` once `pid` has ended, with its status when it was the
    /// daemon's child by then (reaped here), else `.unknown`, and when it
    /// last ran (`ProcessEnd.lastRan`); false when it cannot be watched (it
    /// is already gone).
    func watch(_ pid: Int32, exited: @escaping (ExitStatus, _ ended: Double?) -> Void) -> Bool
}

/// Why a process could not be started, ready for the `spawn_failed` event.
public struct SpawnFailure: Error, Sendable, Equatable {
    public var message: String
    /// The daemon ran out of file descriptors (EMFILE, ENFILE, or its own
    /// reserve): trying again cannot help until some are freed, so the
    /// service goes `fatal` at once instead of retrying.
    public var outOfDescriptors = false
    public init(_ message: String, outOfDescriptors: Bool = false) {
        self.message = message
        self.outOfDescriptors = outOfDescriptors
    }
}
