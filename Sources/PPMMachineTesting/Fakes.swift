import PPMMachine

/// Test doubles for the supervisor's clock and spawner.

/// A clock that moves only when the test says so.
public final class ManualScheduler: Scheduler {
    public init() {}
    /// The monotonic clock.
    public var now: Double = 1_000_000
    /// Wall time runs alongside, a fixed distance ahead.
    public var wallNow: Double { now + 1_700_000_000 }
    private var timers: [(at: Double, seq: Int, token: TimerToken, action: () -> Void)] = []
    private var seq = 0

    public func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerToken {
        let token = TimerToken()
        seq += 1
        timers.append((now + seconds, seq, token, action))
        return token
    }

    /// Moves the clock forward, firing due timers in order.
    public func advance(_ seconds: Double) {
        let end = now + seconds
        while let next = timers.filter({ !$0.token.isCancelled && $0.at <= end }).min(by: { ($0.at, $0.seq) < ($1.at, $1.seq) }) {
            timers.removeAll { $0.seq == next.seq }
            now = next.at
            next.action()
        }
        now = end
    }

    public var pending: [Double] { timers.filter { !$0.token.isCancelled }.map { $0.at - now }.sorted() }
}

/// Records spawns and signals instead of running anything.
public final class FakeSpawner: Spawner {
    public init() {}
    public var nextPid: Int32 = 100
    public var spawned: [(name: String, pid: Int32)] = []
    public var signals: [(pgid: Int32, signal: Int32)] = []
    public var failing: Set<String> = []
    public var aliveGroups: Set<Int32> = []
    /// Pids to hand out first, in order (real processes, for a test whose
    /// state store checks them); then `nextPid` counts on.
    public var pids: [Int32] = []

    public func spawn(_ spec: ServiceSpec, output: ChildOutput) -> Result<Int32, SpawnFailure> {
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

    public func signalGroup(_ pgid: Int32, _ signal: Int32) { signals.append((pgid, signal)) }
    public func groupAlive(_ pgid: Int32) -> Bool { aliveGroups.contains(pgid) }
    public func forget(_ name: String) { forgotten.append(name) }
    /// Services the loop said were removed.
    public var forgotten: [String] = []

    public func lastPid(_ name: String) -> Int32? { spawned.last { $0.name == name }?.pid }
    public func starts(_ name: String) -> Int { spawned.filter { $0.name == name }.count }
}

