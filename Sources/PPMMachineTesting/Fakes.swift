package import PPMMachine

/// Test doubles for the supervisor's clock and spawner.

/// A clock that moves only when the test says so.
package final class ManualScheduler: Scheduler {
    package init() {}
    /// The monotonic clock.
    package var now: Double = 1_000_000
    /// Wall time runs alongside, a fixed distance ahead.
    package var wallNow: Double { now + 1_700_000_000 }
    private var timers: [(at: Double, seq: Int, token: TimerToken, action: () -> Void)] = []
    private var seq = 0

    package func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerToken {
        let token = TimerToken()
        seq += 1
        timers.append((now + seconds, seq, token, action))
        return token
    }

    /// Moves the clock forward, firing due timers in order.
    package func advance(_ seconds: Double) {
        let end = now + seconds
        while let next = timers.filter({ !$0.token.isCancelled && $0.at <= end }).min(by: { ($0.at, $0.seq) < ($1.at, $1.seq) }) {
            timers.removeAll { $0.seq == next.seq }
            now = next.at
            next.action()
        }
        now = end
    }

    package var pending: [Double] { timers.filter { !$0.token.isCancelled }.map { $0.at - now }.sorted() }
}

/// Records spawns and signals instead of running anything.
package final class FakeSpawner: Spawner {
    package init() {}
    package var nextPid: Int32 = 100
    package var spawned: [(name: String, pid: Int32)] = []
    package var signals: [(pgid: Int32, signal: Int32)] = []
    package var failing: Set<String> = []
    package var aliveGroups: Set<Int32> = []
    /// Pids to hand out first, in order (real processes, for a test whose
    /// state store checks them); then `nextPid` counts on.
    package var pids: [Int32] = []
    /// The size of each `spawnAll` call, in order (the groups a batch went in).
    package var groups: [Int] = []

    package func spawnAll(_ jobs: [(spec: ServiceSpec, output: ChildOutput)]) -> [Result<Int32, SpawnFailure>] {
        groups.append(jobs.count)
        return jobs.map { spawn($0.spec, output: $0.output) }
    }

    package func spawn(_ spec: ServiceSpec, output: ChildOutput) -> Result<Int32, SpawnFailure> {
        if failing.contains(spec.name) { return .failure(SpawnFailure("\(spec.cmd[0]): No such file or directory")) }
        let pid: Int32
        if pids.isEmpty {
            nextPid += 1
            pid = nextPid
        } else {
            pid = pids.removeFirst()
        }
        spawned.append((spec.name, pid))
        return .success(pid)
    }

    package func signalGroup(_ pgid: Int32, _ signal: Int32) { signals.append((pgid, signal)) }
    package func groupAlive(_ pgid: Int32) -> Bool { aliveGroups.contains(pgid) }
    package func forget(_ name: String) { forgotten.append(name) }
    /// Services the loop said were removed.
    package var forgotten: [String] = []

    package func lastPid(_ name: String) -> Int32? { spawned.last { $0.name == name }?.pid }
    package func starts(_ name: String) -> Int { spawned.filter { $0.name == name }.count }
}
