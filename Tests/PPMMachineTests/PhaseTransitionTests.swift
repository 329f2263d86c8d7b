import PPMMachineTesting
import Testing

@testable import PPMMachine

/// Phase × input pairs beyond `TransitionTests`: what a request does in the
/// middle of another, and the pairs a phase refuses (no effect at all).
@Suite struct PhaseTransitionTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    func spec(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) -> ServiceSpec { testSpec(name, configure) }

    @discardableResult
    func running(_ spec: ServiceSpec, pid: Int32) -> [Effect] { supervisor.running(spec, pid: pid) }

    func phase(_ name: String) -> Phase? { supervisor.table[name]?.phase }

    func spawns(_ effects: [Effect]) -> Int { effects.filter { if case .spawn = $0 { true } else { false } }.count }

    func armed(_ effects: [Effect], _ kind: TimerID.Kind) -> TimerID? {
        effects.lazy.compactMap { if case .arm(let id, _) = $0, id.kind == kind { id } else { nil } }.first
    }

    @Test func aBounceDueWhileAStopIsUnderWayDoesNotTurnItIntoARestart() {
        let effects = running(spec("web") { $0.bounce = 60 }, pid: 7)
        let bounce = armed(effects, .bounce)!
        _ = supervisor.handle(.stop("web"))
        #expect(supervisor.handle(.timer(bounce)) == [])
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        #expect(spawns(supervisor.handle(.groupGone("web"))) == 0)
        #expect(supervisor.snapshot("web")?.state == .stopped)
        #expect(supervisor.snapshot("web")?.restarts == 0)
    }

    @Test func aChangedSpecDuringAStopOnRequestKeepsItDown() {
        running(spec("web"), pid: 7)
        _ = supervisor.handle(.stop("web"))
        #expect(supervisor.handle(.replace(spec("web") { $0.cmd = ["/bin/web", "-v"] })) == [])
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        #expect(spawns(supervisor.handle(.groupGone("web"))) == 0)
        #expect(supervisor.snapshot("web")?.state == .stopped)
    }

    @Test func aDisabledServiceEnabledByAReloadStartsAsAtBoot() {
        _ = supervisor.handle(.add(spec("off") { $0.disabled = true }))
        _ = supervisor.handle(.boot)
        #expect(supervisor.snapshot("off")?.state == .disabled)
        let enabled = spec("off")
        #expect(supervisor.handle(.replace(enabled)) == [.spawn(enabled)])
        // Enabled without autostart: it stays stopped, as at boot.
        _ = supervisor.handle(
            .add(
                spec("manual") {
                    $0.disabled = true
                    $0.autostart = false
                }))
        #expect(supervisor.handle(.replace(spec("manual") { $0.autostart = false })) == [])
        #expect(supervisor.snapshot("manual")?.state == .stopped)
    }

    @Test func aStopAskedWhileTheSpawnIsOutIsCarriedOutOnceItAnswers() {
        _ = supervisor.handle(.add(spec("web")))
        _ = supervisor.handle(.boot)
        #expect(phase("web") == .launching(stopThen: nil))
        _ = supervisor.handle(.shutdown())
        let effects = supervisor.handle(.spawned("web", .success(7)))
        #expect(effects.contains(.signalService("web", pgid: 7, 15)))
        #expect(supervisor.snapshot("web")?.state == .stopping)
    }

    @Test func aStartDoesNotUndoARemovalWaitingForItsDependents() {
        let web = spec("web") { $0.requires = ["db"] }
        running(spec("db"), pid: 7)
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.spawned("web", .success(8)))
        _ = supervisor.handle(.remove("db"))
        #expect(supervisor.handle(.start("db")) == [])
        _ = supervisor.handle(.exited(pid: 8, status: .signaled(15)))
        let effects = supervisor.handle(.groupGone("web"))
        #expect(effects.contains(.signalService("db", pgid: 7, 15)))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        #expect(supervisor.handle(.groupGone("db")).contains(.forget("db")))
        #expect(supervisor.snapshot("db") == nil)
    }

    @Test func aStopWinsOverARestartUnderWayEvenWhenDependentsStopFirst() {
        let web = spec("web") { $0.requires = ["db"] }
        running(spec("db"), pid: 7)
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.spawned("web", .success(8)))
        _ = supervisor.handle(.restart("db"))  // db alone: web keeps running
        #expect(phase("db") == .stopping(Phase.Run(pid: 7, pgid: 7, startedAt: clock.now), then: .restart))
        _ = supervisor.handle(.stop("db"))  // web first, then db: and db stays down
        _ = supervisor.handle(.exited(pid: 8, status: .signaled(15)))
        _ = supervisor.handle(.groupGone("web"))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        #expect(spawns(supervisor.handle(.groupGone("db"))) == 0)
        #expect(supervisor.snapshot("db")?.state == .stopped)
        #expect(supervisor.snapshot("web")?.state == .stopped)
    }

    @Test func theKillTimerReachesAGroupStillDrainingAfterItsLeader() {
        let effects = running(spec("web"), pid: 7)
        #expect(armed(effects, .kill) == nil)
        let kill = armed(supervisor.handle(.stop("web")), .kill)!
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        #expect(phase("web") == .draining(pgid: 7, then: .hold))
        #expect(supervisor.handle(.timer(kill)).last == .signalService("web", pgid: 7, 9))
        #expect(supervisor.handle(.groupGone("web")).contains(.persist(.gone("web"))))
    }

    @Test func pairsAPhaseRefusesChangeNothing() {
        running(spec("web"), pid: 7)
        let before = phase("web")
        // Running: a start, a second spawn answer, a stale decision, an unknown pid.
        #expect(supervisor.handle(.start("web")) == [])
        #expect(supervisor.handle(.spawned("web", .success(99))) == [])
        #expect(supervisor.handle(.decided("web", starts: 1, .restart(after: 0))) == [])
        #expect(supervisor.handle(.exited(pid: 12345, status: .exited(1))) == [])
        #expect(supervisor.handle(.groupGone("web")) == [])
        #expect(phase("web") == before && supervisor.snapshot("web")?.starts == 1)
        // Down: a signal, a pause, a stop that has nothing to stop but itself.
        _ = supervisor.handle(.stop("web"))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        _ = supervisor.handle(.groupGone("web"))
        #expect(supervisor.handle(.signal("web", 10)) == [])
        #expect(supervisor.handle(.paused(pid: 7)) == [])
        #expect(supervisor.handle(.stop("web")) == [])
        #expect(supervisor.snapshot("web")?.state == .stopped)
    }

    @Test func pausedIsARunningProcessAndAStopWakesIt() {
        running(spec("web"), pid: 7)
        _ = supervisor.handle(.paused(pid: 7))
        #expect(supervisor.snapshot("web")?.state == .paused)
        #expect(supervisor.snapshot("web")?.pid == 7)
        let effects = supervisor.handle(.stop("web"))
        #expect(effects.contains(.signalService("web", pgid: 7, 18)))
        _ = supervisor.handle(.continued(pid: 7))
        #expect(supervisor.snapshot("web")?.state == .stopping)
    }

    @Test func aStartWhileTheLastRunsLeftoversAreEndedWaitsForThem() {
        running(spec("web") { $0.restart = .never }, pid: 7)
        _ = supervisor.handle(.exited(pid: 7, status: .exited(1)))
        #expect(supervisor.handle(.start("web")) == [])
        #expect(phase("web") == .waiting(.leftovers))
        #expect(supervisor.snapshot("web")?.state == .waiting)
        #expect(spawns(supervisor.handle(.groupGone("web"))) == 1)
    }
}
