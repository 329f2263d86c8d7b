import PPMMachineTesting
import Testing

@testable import PPMMachine

/// An adopted run (after `ppm-lua upgrade` or a killed daemon) with what
/// the previous daemon knew of it (`KeptRun`): its readiness, health,
/// sd_notify notes and the time left on its deadlines.
@Suite struct AdoptKeptRunTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    func armed(_ effects: [Effect], _ kind: TimerID.Kind) -> (TimerID, Double)? {
        effects.lazy.compactMap { if case .arm(let id, let after) = $0, id.kind == kind { (id, after) } else { nil } }.first
    }
    func events(_ effects: [Effect]) -> [ServiceEvent] { effects.compactMap { if case .event(let e, _) = $0 { e } else { nil } } }
    func snapshot(_ name: String) -> ServiceSnapshot { supervisor.snapshot(name)! }

    @Test func aRunThatWasNotReadyYetWaitsForItsReadinessWithTheTimeLeft() {
        _ = supervisor.handle(.add(testSpec("db") { $0.ready = .notify }))
        var kept = KeptRun(ready: false)
        kept.readyIn = 12
        let effects = supervisor.handle(.adopt("db", AdoptedProcess(pid: 7, age: 3, child: true, kept: kept)))
        #expect(snapshot("db").state == .starting)
        #expect(armed(effects, .ready)?.1 == 12)
        let ready = supervisor.handle(.ready("db", pid: 7))
        #expect(snapshot("db").state == .running)
        #expect(events(ready).contains { $0.kind == .ready })
        #expect(ready.contains(.persist(.kept("db", KeptRun(ready: true)))))
    }

    @Test func aReadyRunKeepsItsVerdictAndNotesAndItsWatchdogFiresWhenDue() {
        _ = supervisor.handle(
            .add(
                testSpec("db") {
                    $0.ready = .notify
                    $0.watchdog = 5
                }))
        var kept = KeptRun(ready: true)
        kept.health = .healthy
        kept.statusText = "serving"
        kept.errno = 4
        kept.watchdogIn = 1.5
        let effects = supervisor.handle(.adopt("db", AdoptedProcess(pid: 30, pgid: 7, age: 3, child: false, kept: kept)))
        let s = snapshot("db")
        #expect(s.state == .running && s.pid == 30 && s.pgid == 7 && s.health == .healthy && s.errno == 4)
        #expect(s.kept?.statusText == "serving")
        let (watchdog, after) = try! #require(armed(effects, .watchdog))
        #expect(after == 1.5)
        #expect(events(effects).map(\.kind) == [.adopted])
        clock.advance(1.5)
        let fired = supervisor.handle(.timer(watchdog))
        #expect(events(fired).contains { $0.kind == .unhealthy })
    }

    @Test func aRunAdoptedWithoutNotesIsReadyAndItsChecksStart() {
        _ = supervisor.handle(
            .add(
                testSpec("db") {
                    $0.ready = .notify
                    $0.watchdog = 5
                }))
        let effects = supervisor.handle(.adopt("db", AdoptedProcess(pid: 7, age: 3, child: false)))
        #expect(snapshot("db").state == .running && snapshot("db").health == nil)
        #expect(armed(effects, .watchdog)?.1 == 5)
        // A health check goes on too (after its start period, as for a new run).
        _ = supervisor.handle(.add(testSpec("web") { $0.health = HealthSpec(probe: .tcp("127.0.0.1:1")) }))
        let web = supervisor.handle(.adopt("web", AdoptedProcess(pid: 8, age: 3, child: false)))
        let plan = web.lazy.compactMap { if case .checkHealth(let plan) = $0 { plan } else { nil } }.first
        #expect(plan?.firstAfter == 30 && plan?.tuning == HealthCheckTuning(pid: 8))
    }

    @Test func statusTextIsNotedPerRunAndBoundedAndAnEmptyOneClearsIt() {
        _ = supervisor.handle(.add(testSpec("db") { $0.ready = .notify }))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("db", .success(7)))
        let noted = supervisor.handle(.notice("db", pid: 7, .status(String(repeating: "x", count: 5000))))
        #expect(snapshot("db").kept?.statusText?.count == KeptRun.maxText)
        #expect(noted.contains { if case .persist(.kept("db", _)) = $0 { true } else { false } })
        #expect(supervisor.handle(.notice("db", pid: 7, .status(String(repeating: "x", count: 5000)))) == [])  // unchanged
        _ = supervisor.handle(.notice("db", pid: 7, .status("")))
        #expect(snapshot("db").kept?.statusText == nil)
        // The last text of a run outlives it (`show` of a crashed service), until the next run.
        _ = supervisor.handle(.notice("db", pid: 7, .status("cannot bind")))
        _ = supervisor.handle(.exited(pid: 7, status: .exited(1)))
        #expect(snapshot("db").kept == nil && snapshot("db").lastExit?.statusText == "cannot bind")
    }

    @Test func whatIsKeptReadsBackAsWrittenAndBadValuesAreLeftOut() {
        var kept = KeptRun(ready: true)
        kept.health = .unhealthy
        kept.healthFailures = 2
        kept.reloading = true
        kept.stoppingNoticed = true
        kept.errno = 2
        kept.statusText = "up"
        kept.readyIn = 1
        kept.watchdogIn = 2
        #expect(KeptRun(json: kept.json) == kept)
        let bad = try! JSONValue.parse(#"{"ready": true, "errno": -1, "watchdog_in": -3, "health": "great"}"#)
        #expect(KeptRun(json: bad) == KeptRun(ready: true))
        #expect(KeptRun(json: .string("x")) == nil)
    }

    @Test func watchdogUsecFromTheRunRearmsWithItsIntervalAndIsKeptAcrossAnUpgrade() {
        _ = supervisor.handle(
            .add(
                testSpec("db") {
                    $0.ready = .notify
                    $0.watchdog = 5
                }))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("db", .success(7)))
        _ = supervisor.handle(.ready("db", pid: 7))
        let asked = supervisor.handle(.notice("db", pid: 7, .watchdogInterval(seconds: 20)))
        #expect(armed(asked, .watchdog)?.1 == 20)
        // A ping re-arms with the run's interval, not the spec's.
        let (watchdog, after) = try! #require(armed(supervisor.handle(.watchdog("db", pid: 7, trigger: false)), .watchdog))
        #expect(after == 20)
        #expect(snapshot("db").kept?.watchdogInterval == 20)
        clock.advance(20)
        let fired = supervisor.handle(.timer(watchdog))
        #expect(events(fired).first { $0.kind == .unhealthy }?.error == "no WATCHDOG=1 in 20 s")
        // What the next daemon adopts keeps the interval.
        let kept = try! #require(snapshot("db").kept)
        #expect(KeptRun(json: kept.json)?.watchdogInterval == 20)
    }

    @Test func watchdogUsecArmsAWatchdogWhereTheSpecHasNone() {
        _ = supervisor.handle(.add(testSpec("db") { $0.ready = .notify }))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("db", .success(7)))
        // Asked while starting: armed once it is ready.
        #expect(armed(supervisor.handle(.notice("db", pid: 7, .watchdogInterval(seconds: 3))), .watchdog) == nil)
        #expect(armed(supervisor.handle(.ready("db", pid: 7)), .watchdog)?.1 == 3)
    }

    @Test func aStopHandedOverGoesOnAtItsStepWithWhatWasLeftOfItsWait() {
        _ = supervisor.handle(.add(testSpec("web") { $0.stopTimeout = 10 }))
        var kept = KeptRun(ready: true)
        kept.stop = KeptStop(json: .object(["then": .string("hold"), "step": .int(0), "elapsed": .double(4)]))
        #expect(kept.stop != nil)
        let effects = supervisor.handle(.adopt("web", AdoptedProcess(pid: 7, age: 9, child: true, kept: kept)))
        #expect(snapshot("web").state == .stopping)
        let (kill, after) = try! #require(armed(effects, .kill))
        #expect(after == 6)
        clock.advance(6)
        #expect(supervisor.handle(.timer(kill)).contains(.signalService("web", pgid: 7, .kill)))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(9)))
        _ = supervisor.handle(.groupGone("web"))
        #expect(snapshot("web").state == .stopped)
        // A restart under way starts it again once it is gone.
        _ = supervisor.handle(.add(testSpec("api")))
        var restarting = KeptRun(ready: true)
        restarting.stop = KeptStop(json: KeptStop(json: .object(["then": .string("restart"), "step": .int(1), "elapsed": .double(1)]))!.json)
        #expect(armed(supervisor.handle(.adopt("api", AdoptedProcess(pid: 8, age: 9, child: true, kept: restarting))), .kill) == nil)
        _ = supervisor.handle(.exited(pid: 8, status: .signaled(9)))
        #expect(supervisor.handle(.groupGone("api")).contains { if case .spawn = $0 { true } else { false } })
    }
}
