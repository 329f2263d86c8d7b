@testable import PPMCore

/// A clock that moves only when the test says so.
final class ManualScheduler: Scheduler {
    var now: Double = 1_000_000
    private var timers: [(at: Double, seq: Int, token: TimerToken, action: () -> Void)] = []
    private var seq = 0

    func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerToken {
        let token = TimerToken()
        seq += 1
        timers.append((now + seconds, seq, token, action))
        return token
    }

    /// Moves the clock forward, firing due timers in order.
    func advance(_ seconds: Double) {
        let end = now + seconds
        while let next = timers.filter({ !$0.token.isCancelled && $0.at <= end }).min(by: { ($0.at, $0.seq) < ($1.at, $1.seq) }) {
            timers.removeAll { $0.seq == next.seq }
            now = next.at
            next.action()
        }
        now = end
    }

    var pending: [Double] { timers.filter { !$0.token.isCancelled }.map { $0.at - now }.sorted() }
}

/// Records spawns and signals instead of running anything.
final class FakeSpawner: Spawner {
    var nextPid: Int32 = 100
    var spawned: [(name: String, pid: Int32)] = []
    var signals: [(pgid: Int32, signal: Int32)] = []
    var failing: Set<String> = []
    var aliveGroups: Set<Int32> = []

    func spawn(_ spec: ServiceSpec) -> Result<Int32, SpawnFailure> {
        if failing.contains(spec.name) { return .failure(SpawnFailure("\(spec.cmd[0]): No such file or directory")) }
        nextPid += 1
        spawned.append((spec.name, nextPid))
        return .success(nextPid)
    }

    func signalGroup(_ pgid: Int32, _ signal: Int32) { signals.append((pgid, signal)) }
    func groupAlive(_ pgid: Int32) -> Bool { aliveGroups.contains(pgid) }

    func lastPid(_ name: String) -> Int32? { spawned.last { $0.name == name }?.pid }
    func starts(_ name: String) -> Int { spawned.filter { $0.name == name }.count }
}

/// Hooks that record events and answer with a scripted decision.
final class RecordingHooks: SupervisorHooks {
    var events: [ServiceEvent] = []
    var decide: (ServiceEvent, ServiceSnapshot) -> Decision? = { _, _ in nil }
    var errors: [String] = []

    func handle(_ event: ServiceEvent, service: ServiceSnapshot) -> HookResult {
        events.append(event)
        return HookResult(decision: decide(event, service), errors: errors)
    }
}

/// A supervisor wired to the fakes.
struct Rig {
    let clock = ManualScheduler()
    let spawner = FakeSpawner()
    let hooks = RecordingHooks()
    let supervisor: Supervisor

    init() {
        supervisor = Supervisor(spawner: spawner, scheduler: clock, journal: Journal(path: nil))
        supervisor.hooks = hooks
    }

    func add(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) {
        var spec = ServiceSpec(name: name, cmd: ["/bin/\(name)"])
        configure(&spec)
        try! supervisor.add(spec)
    }

    func state(_ name: String) -> ServiceState? { supervisor.snapshot(name)?.state }

    func exit(_ name: String, _ status: ExitStatus) {
        supervisor.processExited(pid: supervisor.snapshot(name)!.pid!, status: status)
    }
}
