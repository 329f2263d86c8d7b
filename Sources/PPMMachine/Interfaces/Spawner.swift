/// Starts and signals processes. The daemon uses `LinuxSpawner`; tests a fake.
package protocol Spawner: AnyObject {
    /// Starts the service's process in its own process group (pgid = pid),
    /// its stdout/stderr on the given pipe ends (-1: the spec's files).
    func spawn(_ spec: ServiceSpec, output: ChildOutput) -> Result<Int32, SpawnFailure>
    /// Starts each job as `spawn` does, possibly several at once; the
    /// results in the jobs' order.
    func spawnAll(_ jobs: [(spec: ServiceSpec, output: ChildOutput)]) -> [Result<Int32, SpawnFailure>]
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
    /// The cgroup limits (SPEC 10) of `spec` that nothing here can enforce,
    /// with why: each limit once in the daemon's life, nil otherwise.
    func limitsUnavailable(_ spec: ServiceSpec) -> (fields: [String], reason: String)?
    /// After the service's process exited: whether the kernel's OOM killer
    /// ended a process of the service during that run.
    func outOfMemory(_ name: String) -> Bool
}

/// Process groups only (fakes, and spawners without cgroups).
extension Spawner {
    /// One after another.
    package func spawnAll(_ jobs: [(spec: ServiceSpec, output: ChildOutput)]) -> [Result<Int32, SpawnFailure>] {
        jobs.map { spawn($0.spec, output: $0.output) }
    }
    package func signalService(_ name: String, pgid: Int32, _ signal: Int32) { signalGroup(pgid, signal) }

    package func serviceAlive(_ name: String, pgid: Int32) -> Bool { groupAlive(pgid) }

    /// No limits to report (fakes).
    package func limitsUnavailable(_ spec: ServiceSpec) -> (fields: [String], reason: String)? { nil }

    /// Never (fakes).
    package func outOfMemory(_ name: String) -> Bool { false }

    package func endLeftovers(_ name: String, pgid: Int32, signal: Int32) -> (() -> Void)? {
        guard groupAlive(pgid) else { return nil }
        signalGroup(pgid, signal)
        return { [self] in if groupAlive(pgid) { signalGroup(pgid, 9) } }
    }
}
