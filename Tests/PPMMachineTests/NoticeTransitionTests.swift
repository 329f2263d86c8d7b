import PPMMachineTesting
import Testing

@testable import PPMMachine

/// sd_notify's `RELOADING=1`, `STOPPING=1`, `ERRNO=` and `MAINPID=` (SPEC 9)
/// as transitions of the `notice` input.
@Suite struct NoticeTransitionTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    /// A `ready = "notify"` service spawned as `pid` and ready.
    func readyService(_ name: String, pid: Int32) {
        _ = supervisor.handle(.add(testSpec(name) { $0.ready = .notify }))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned(name, .success(pid)))
        _ = supervisor.handle(.ready(name, pid: pid))
    }

    func snapshot(_ name: String) -> ServiceSnapshot { supervisor.snapshot(name)! }
    func events(_ effects: [Effect]) -> [ServiceEvent] { effects.compactMap { if case .event(let e, _) = $0 { e } else { nil } } }

    @Test func reloadingLastsUntilTheNextReadyAndKeepsDependentsStarted() {
        readyService("db", pid: 7)
        _ = supervisor.handle(.add(testSpec("web") { $0.requires = ["db"] }))
        _ = supervisor.handle(.start("web"))
        _ = supervisor.handle(.spawned("web", .success(8)))
        #expect(supervisor.handle(.notice("db", pid: 99, .reloading)) == [])  // not its process
        #expect(snapshot("db").state == .running)
        _ = supervisor.handle(.notice("db", pid: 7, .reloading))
        #expect(snapshot("db").state == .reloading)
        #expect(snapshot("web").state == .running)
        // A second READY=1 is no new `ready` event: the reload is over.
        #expect(events(supervisor.handle(.ready("db", pid: 7))).isEmpty)
        #expect(snapshot("db").state == .running)
    }

    @Test func stoppingAndErrnoAreNotedAndTheErrnoGoesInTheExitEvent() {
        readyService("db", pid: 7)
        _ = supervisor.handle(.notice("db", pid: 7, .stopping))
        _ = supervisor.handle(.notice("db", pid: 7, .errno(2)))
        #expect(snapshot("db").stoppingNotified && snapshot("db").errno == 2)
        let exit = events(supervisor.handle(.exited(pid: 7, status: .exited(1)))).first { $0.kind == .exit }
        #expect(exit?.extra["errno"] == .int(2))
        #expect(snapshot("db").lastExit?.errno == 2)
        // The next run starts without them.
        _ = supervisor.handle(.start("db"))
        _ = supervisor.handle(.spawned("db", .success(9)))
        #expect(!snapshot("db").stoppingNotified && snapshot("db").errno == nil)
    }

    @Test func aMainPidInTheRunsGroupBecomesTheProcessWhoseExitEndsTheRun() {
        readyService("db", pid: 7)
        #expect(supervisor.handle(.notice("db", pid: 7, .mainPID(12, group: 30))) == [])  // another group: ignored
        let moved = supervisor.handle(.notice("db", pid: 7, .mainPID(12, group: 7)))
        #expect(moved.contains(.watchProcess(pid: 12)) && moved.contains(.persist(.running("db", pid: 12))))
        #expect(snapshot("db").pid == 12 && snapshot("db").pgid == 7)
        #expect(supervisor.service(leading: 7) == "db")  // its senders are still found by their group
        // The first process ending is not the end of the run.
        #expect(events(supervisor.handle(.exited(pid: 7, status: .exited(0)))).isEmpty)
        #expect(snapshot("db").state == .running)
        let end = supervisor.handle(.exited(pid: 12, status: .signaled(9)))
        #expect(events(end).first { $0.kind == .exit }?.pid == 12)
        #expect(end.contains(.endGroup("db", pgid: 7, signal: .term, killAfter: 10)))
        #expect(supervisor.service(leading: 7) == nil)
    }

    @Test func aStopReachesTheGroupOfAMovedMainProcess() {
        readyService("db", pid: 7)
        _ = supervisor.handle(.notice("db", pid: 7, .mainPID(12, group: 7)))
        #expect(supervisor.handle(.stop("db")).contains(.signalService("db", pgid: 7, .term)))
        _ = supervisor.handle(.exited(pid: 12, status: .signaled(15)))
        #expect(snapshot("db").state == .stopping)  // draining the group
    }
}
