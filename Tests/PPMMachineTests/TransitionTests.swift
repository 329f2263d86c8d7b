import Glibc
import PPMMachineTesting
import Testing

@testable import PPMMachine

/// The transition function on its own: one input, the exact effects.
@Suite struct TransitionTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    func spec(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) -> ServiceSpec { testSpec(name, configure) }

    /// Declares, boots and starts `name` with pid `pid`.
    func running(_ spec: ServiceSpec, pid: Int32, persist: Bool = false) {
        _ = supervisor.handle(.add(spec, persist: persist))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned(spec.name, .success(pid)))
    }

    func exitEvent(
        _ name: String, pid: Int32, _ status: PPMMachine.ExitStatus, outcome: Outcome, runtime: Double = 0,
        starts: Int = 1, crashes: Int
    ) -> ServiceEvent {
        ServiceEvent(
            kind: .exit, name: name, pid: pid, status: status, runtime: runtime, starts: starts,
            crashes: crashes, outcome: outcome, time: clock.wallNow)
    }

    @Test func bootSpawnsAndTheAnswerStartsTheService() {
        let web = spec("web")
        #expect(supervisor.handle(.add(web)) == [])
        #expect(supervisor.handle(.boot) == [.spawn(web)])
        #expect(supervisor.handle(.boot) == [])
        let start = ServiceEvent(kind: .start, name: "web", pid: 7, starts: 1, crashes: 0, time: clock.wallNow)
        #expect(supervisor.handle(.spawned("web", .success(7))) == [.persist(.running("web", pid: 7)), .event(start, decide: false)])
        #expect(supervisor.snapshot("web")?.state == .running)
    }

    @Test func aCrashArmsTheBackoffTimerAndTheTimerSpawns() {
        let web = spec("web")
        running(web, pid: 7)
        let effects = supervisor.handle(.exited(pid: 7, status: .exited(3)))
        let timer = TimerID(name: "web", kind: .start, serial: 1)
        #expect(
            effects == [
                .endGroup("web", pgid: 7, signal: .term, killAfter: 10),  // whatever the process left, before any new run
                .watchGroup("web", pgid: 7),
                .event(exitEvent("web", pid: 7, .exited(3), outcome: .crashed, crashes: 1), decide: false),
                .persist(.gone("web")),
                .arm(timer, after: 1),
            ])
        #expect(supervisor.handle(.groupGone("web")) == [])  // what it left is gone
        #expect(supervisor.handle(.timer(TimerID(name: "web", kind: .start, serial: 99))) == [])  // stale
        #expect(supervisor.handle(.timer(timer)) == [.spawn(web)])
    }

    @Test func luaDecidesAfterTheTransitionAndItsAnswerComesBackAsAnInput() {
        let web = spec("web") { $0.scriptedFields = ["on_exit"] }
        running(web, pid: 7)
        let effects = supervisor.handle(.exited(pid: 7, status: .exited(1)))
        #expect(
            effects == [
                .endGroup("web", pgid: 7, signal: .term, killAfter: 10),  // before the hook that may start the next run
                .watchGroup("web", pgid: 7),
                .event(exitEvent("web", pid: 7, .exited(1), outcome: .crashed, crashes: 1), decide: true),
                .persist(.gone("web")),
            ])
        #expect(supervisor.snapshot("web")?.state == .crashed)  // what a hook reading ppm.get sees
        #expect(supervisor.handle(.decided("web", starts: 0, .restart(after: 0))) == [])  // another run's answer
        // The answer's restart waits for what the last run left to be gone.
        #expect(supervisor.handle(.decided("web", starts: 1, .restart(after: 0))) == [])
        #expect(supervisor.handle(.groupGone("web")) == [.spawn(web)])
    }

    @Test func aStopSignalsArmsTheKillAndCompletesWhenTheGroupIsGone() {
        let web = spec("web") { $0.stopTimeout = 3 }
        running(web, pid: 7, persist: true)
        let waiter = Waiter(id: 1)
        var stop = ServiceEvent(kind: .stop, name: "web", pid: 7, starts: 1, crashes: 0, time: clock.wallNow)
        stop.extra = ["signame": .string("TERM")]
        let kill = TimerID(name: "web", kind: .kill, serial: 1)
        #expect(
            supervisor.handle(.stop("web", waiter: waiter)) == [
                .persist(.held("web", true)), .event(stop, decide: false), .signalService("web", pgid: 7, 15), .arm(kill, after: 3),
            ])
        clock.advance(3)
        var step = ServiceEvent(kind: .stopStep, name: "web", pid: 7, starts: 1, crashes: 0, time: clock.wallNow)
        step.extra = ["signame": .string("KILL"), "step": .int(2), "after": .double(3)]
        #expect(supervisor.handle(.timer(kill)) == [.event(step, decide: false), .signalService("web", pgid: 7, 9)])
        let exit = supervisor.handle(.exited(pid: 7, status: .signaled(9)))
        #expect(
            exit == [
                .event(exitEvent("web", pid: 7, .signaled(9), outcome: .stopped, runtime: 3, crashes: 0), decide: false),
                .watchGroup("web", pgid: 7),
            ])
        #expect(supervisor.snapshot("web")?.state == .stopping)
        #expect(supervisor.handle(.groupGone("web")) == [.persist(.gone("web")), .done(waiter)])
        #expect(supervisor.snapshot("web")?.state == .stopped)
    }

    @Test func aStartAskedWhileStoppingStartsOnceStoppedUnlessAStopFollows() {
        let web = spec("web")
        running(web, pid: 7)
        _ = supervisor.handle(.stop("web", waiter: nil))
        _ = supervisor.handle(.start("web", after: nil))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        #expect(supervisor.handle(.groupGone("web")).contains(.spawn(web)))
        _ = supervisor.handle(.spawned("web", .success(8)))
        _ = supervisor.handle(.stop("web", waiter: nil))
        _ = supervisor.handle(.start("web", after: nil))
        _ = supervisor.handle(.stop("web", waiter: nil))
        _ = supervisor.handle(.exited(pid: 8, status: .signaled(15)))
        #expect(!supervisor.handle(.groupGone("web")).contains(.spawn(web)))
        #expect(supervisor.snapshot("web")?.state == .stopped)
    }

    @Test func anExitCostsTheSameAmongAThousandServices() {
        let victim = spec("victim") { $0.restart = .always }
        running(victim, pid: 7)
        let alone = supervisor.handle(.exited(pid: 7, status: .signaled(9)))
        let crowded = Supervisor(clock: clock)
        for i in 0..<1000 { _ = crowded.handle(.add(spec("s\(i)"))) }
        _ = crowded.handle(.add(victim))
        _ = crowded.bootAll()
        for i in 0..<1000 { _ = crowded.handle(.spawned("s\(i)", .success(Int32(100 + i)))) }
        _ = crowded.handle(.spawned("victim", .success(7)))
        // Timer serials aside (the boot's batches took some).
        let unnumbered = { (effects: [Effect]) -> [Effect] in
            effects.map { effect -> Effect in
                guard case .arm(let id, let after) = effect else { return effect }
                return .arm(TimerID(name: id.name, kind: id.kind, serial: 0), after: after)
            }
        }
        #expect(unnumbered(crowded.handle(.exited(pid: 7, status: .signaled(9)))) == unnumbered(alone))
    }

    @Test func stopAllAndStartAllAreOneEffectListEachOfLinearSize() {
        for i in 0..<200 { _ = supervisor.handle(.add(spec("s\(i)"), persist: true)) }
        _ = supervisor.bootAll()
        for i in 0..<200 { _ = supervisor.handle(.spawned("s\(i)", .success(Int32(100 + i)))) }
        let stops = supervisor.names.flatMap { supervisor.handle(.stop($0)) }
        #expect(stops.count == 200 * 4)  // held, stop event, signal, kill timer
        let starts = supervisor.names.flatMap { supervisor.handle(.start($0)) }
        #expect(starts.filter { if case .persist(.held(_, false)) = $0 { true } else { false } }.count == 200)
    }

    @Test func requestedRestartsAndStopsDoNotGrowTheBackoff() {
        let web = spec("web")
        running(web, pid: 7)
        var pid: Int32 = 7
        for _ in 0..<4 {
            _ = supervisor.handle(.restart("web"))
            _ = supervisor.handle(.exited(pid: pid, status: .signaled(15)))
            _ = supervisor.handle(.groupGone("web"))
            pid += 1
            _ = supervisor.handle(.spawned("web", .success(pid)))
        }
        let effects = supervisor.handle(.exited(pid: pid, status: .signaled(9)))
        guard case .arm(_, let after)? = effects.last else {
            Issue.record("no restart timer")
            return
        }
        #expect(after == 1)
    }

    @Test func durationsUseTheMonotonicClockAndEventsTheWallClock() {
        running(spec("web"), pid: 7)
        clock.now += 12
        let effects = supervisor.handle(.exited(pid: 7, status: .exited(0)))
        guard let ev = effects.lazy.compactMap({ if case .event(let ev, _) = $0 { ev } else { nil } }).first else {
            Issue.record("no event")
            return
        }
        #expect(ev.runtime == 12)
        #expect(ev.time == clock.wallNow)
        #expect(supervisor.snapshot("web")?.lastExit?.time == clock.wallNow)
    }
}

/// Only consecutive crashes grow the backoff (issue #9 item 2).
@Suite struct BackoffStreakTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    /// The delay of the restart timer armed by `effects`.
    func delay(_ effects: [Effect]) -> Double? {
        for case .arm(let id, let after) in effects where id.kind == .start { return after }
        return nil
    }

    @Test func aRestartOnRequestBetweenTwoCrashesStartsTheStreakAgain() {
        let web = ServiceSpec(name: "web", cmd: ["/bin/web"])
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("web", .success(7)))
        let crash = supervisor.handle(.exited(pid: 7, status: .signaled(9)))
        _ = supervisor.handle(.groupGone("web"))
        #expect(delay(crash) == 1)
        for case .arm(let timer, _) in crash { _ = supervisor.handle(.timer(timer)) }
        _ = supervisor.handle(.spawned("web", .success(8)))  // the timer's spawn
        #expect(supervisor.snapshot("web")?.pid == 8)
        _ = supervisor.handle(.restart("web"))
        _ = supervisor.handle(.exited(pid: 8, status: .signaled(15)))
        _ = supervisor.handle(.groupGone("web"))
        _ = supervisor.handle(.spawned("web", .success(9)))
        #expect(delay(supervisor.handle(.exited(pid: 9, status: .signaled(9)))) == 1)
        #expect(supervisor.snapshot("web")?.crashes == 1)
    }

    @Test func aCleanExitBetweenTwoCrashesStartsTheStreakAgain() {
        let web = ServiceSpec(name: "web", cmd: ["/bin/web"])
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("web", .success(7)))
        #expect(delay(supervisor.handle(.exited(pid: 7, status: .exited(1)))) == 1)
        _ = supervisor.handle(.groupGone("web"))
        _ = supervisor.handle(.spawned("web", .success(8)))
        _ = supervisor.handle(.exited(pid: 8, status: .exited(0)))  // finished: stays down
        _ = supervisor.handle(.start("web"))
        _ = supervisor.handle(.spawned("web", .success(9)))
        #expect(delay(supervisor.handle(.exited(pid: 9, status: .exited(1)))) == 1)
    }

    @Test func aStopAfterARestartKeepsTheServiceDown() {
        let web = ServiceSpec(name: "web", cmd: ["/bin/web"])
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("web", .success(7)))
        let waiter = Waiter(id: 3)
        _ = supervisor.handle(.restart("web", waiter: waiter))
        _ = supervisor.handle(.stop("web"))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        let effects = supervisor.handle(.groupGone("web"))
        #expect(!effects.contains(.spawn(web)))
        #expect(effects.contains(.done(waiter)))
        #expect(supervisor.snapshot("web")?.state == .stopped)
    }

    @Test func waitingServicesSayWhyAndWhen() {
        var web = ServiceSpec(name: "web", cmd: ["/bin/web"])
        web.requires = ["db"]
        var db = ServiceSpec(name: "db", cmd: ["/bin/db"])
        db.startAfter = 5
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.add(db))
        _ = supervisor.handle(.boot)
        #expect(supervisor.snapshot("web")?.waitingFor == ["db"])
        clock.now += 2
        #expect(supervisor.snapshot("db")?.startsIn == 3)
        #expect(supervisor.snapshot("db")?.json["starts_in"] == .double(3))
    }
}
