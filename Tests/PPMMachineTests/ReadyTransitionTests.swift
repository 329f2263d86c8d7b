import PPMMachineTesting
import Testing

@testable import PPMMachine

/// Readiness, health and the conditions of `requires` (SPEC 9) as
/// transitions: one input, the effects and the state that follow.
@Suite struct ReadyTransitionTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    func spec(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) -> ServiceSpec { testSpec(name, configure) }

    @discardableResult
    func spawn(_ spec: ServiceSpec, pid: Int32) -> [Effect] {
        _ = supervisor.handle(.add(spec))
        _ = supervisor.handle(.boot)
        return supervisor.handle(.spawned(spec.name, .success(pid)))
    }

    func state(_ name: String) -> ServiceState? { supervisor.snapshot(name)?.state }
    func spawned(_ effects: [Effect]) -> [String] { effects.compactMap { if case .spawn(let s) = $0 { s.name } else { nil } } }
    func armed(_ effects: [Effect], _ kind: TimerID.Kind) -> TimerID? {
        effects.lazy.compactMap { if case .arm(let id, _) = $0, id.kind == kind { id } else { nil } }.first
    }
    func events(_ effects: [Effect]) -> [ServiceEvent] { effects.compactMap { if case .event(let e, _) = $0 { e } else { nil } } }
    func plan(_ effects: [Effect]) -> HealthCheckPlan? {
        effects.lazy.compactMap { if case .checkHealth(let plan) = $0 { plan } else { nil } }.first
    }

    @Test func aNotifyServiceIsStartingUntilReadyAndOnlyThenItsDependentStarts() {
        let db = spec("db") { $0.ready = .notify }
        let web = spec("web") { $0.requires = ["db"] }
        _ = supervisor.handle(.add(db))
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.boot)
        #expect(spawned(supervisor.handle(.spawned("db", .success(7)))).isEmpty)
        #expect(state("db") == .starting)
        #expect(state("web") == .waiting && supervisor.snapshot("web")?.waitingFor == ["db"])
        #expect(supervisor.handle(.ready("db", pid: 99)) == [])  // not its process
        clock.advance(2)
        let effects = supervisor.handle(.ready("db", pid: 7))
        #expect(state("db") == .running)
        let ready = events(effects).first
        #expect(ready?.kind == .ready && ready?.extra["after"] == .double(2))
        #expect(spawned(effects) == ["web"])
        #expect(supervisor.handle(.ready("db", pid: 7)) == [])  // once per start
    }

    @Test func notReadyInTimeIsACrashThePolicyJudges() {
        let effects = spawn(
            spec("db") {
                $0.ready = .notify
                $0.readyTimeout = 30
            }, pid: 7)
        let timeout = armed(effects, .ready)!
        let stop = supervisor.handle(.timer(timeout))
        #expect(stop.contains(.signalService("db", pgid: 7, .term)))
        let exit = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        let event = events(exit).first { $0.kind == .exit }
        #expect(event?.outcome == .crashed && event?.error == "not ready after 30 s")
        #expect(armed(exit, .start) != nil)  // on-failure: the backoff restarts it
        #expect(supervisor.snapshot("db")?.crashes == 1)
    }

    @Test func extendingTheReadyTimeoutNeverShortensIt() {
        let effects = spawn(
            spec("db") {
                $0.ready = .notify
                $0.readyTimeout = 30
            }, pid: 7)
        #expect(armed(effects, .ready) != nil)
        #expect(
            supervisor.handle(.extendReadyTimeout("db", pid: 7, seconds: 90)).contains { e in
                if case .arm(let id, 90) = e { id.kind == .ready } else { false }
            })
        clock.advance(10)
        #expect(
            supervisor.handle(.extendReadyTimeout("db", pid: 7, seconds: 5)).contains { e in
                if case .arm(let id, 80) = e { id.kind == .ready } else { false }
            })
        #expect(supervisor.handle(.extendReadyTimeout("db", pid: 8, seconds: 500)) == [])
    }

    @Test func aProbeRunsEveryReadyEveryUntilItPasses() {
        let db = spec("db") {
            $0.ready = .probe(.tcp("127.0.0.1:6390"))
            $0.readyEvery = 0.5
        }
        let first = armed(spawn(db, pid: 7), .probe)!
        #expect(supervisor.handle(.timer(first)) == [.probe(db, pid: 7, .ready, .tcp("127.0.0.1:6390"), timeout: 2)])
        let again = supervisor.handle(.probed("db", pid: 7, .ready, ok: false, message: "connection refused"))
        #expect(armed(again, .probe) != nil && state("db") == .starting)
        #expect(supervisor.snapshot("db")?.probeMessage == "connection refused")
        _ = supervisor.handle(.probed("db", pid: 7, .ready, ok: true, message: nil))
        #expect(state("db") == .running)
    }

    @Test func healthFailuresRestartAfterExactlyFailuresChecksWithCauseUnhealthy() {
        let web = spec("web") { $0.health = HealthSpec(probe: .http("http://127.0.0.1:8080/")) }
        let effects = spawn(web, pid: 7)
        #expect(plan(effects) == HealthCheckPlan(spec: web, firstAfter: 30, tuning: HealthCheckTuning(pid: 7)))
        func fail() -> [Effect] { supervisor.handle(.probed("web", pid: 7, .health, ok: false, message: "status 500")) }
        _ = supervisor.handle(.probed("web", pid: 7, .health, ok: true, message: nil))
        #expect(supervisor.snapshot("web")?.health == .healthy)
        #expect(!fail().contains(.signalService("web", pgid: 7, .term)))
        #expect(!fail().contains(.signalService("web", pgid: 7, .term)))
        let third = fail()
        #expect(events(third).map(\.kind) == [.unhealthy, .stop])
        #expect(events(third).first?.extra["failures"] == .init(3))
        #expect(third.contains(.signalService("web", pgid: 7, .term)))
        let exit = events(supervisor.handle(.exited(pid: 7, status: .signaled(15)))).first
        #expect(exit?.cause == "unhealthy" && exit?.fields["cause"] == .string("unhealthy"))
        #expect(spawned(supervisor.handle(.groupGone("web"))) == ["web"])
    }

    @Test func checksStartAfterStartPeriodAndEveryEveryAfterThat() {
        let web = spec("web") {
            $0.ready = .notify
            $0.health = HealthSpec(probe: .tcp("127.0.0.1:1"))
            $0.health?.every = 5
            $0.health?.startPeriod = 60
        }
        spawn(web, pid: 7)
        // Nothing is checked before readiness, the first check start_period + every after it.
        let ready = supervisor.handle(.ready("web", pid: 7))
        #expect(plan(ready) == HealthCheckPlan(spec: web, firstAfter: 65, tuning: HealthCheckTuning(pid: 7)))
        #expect(armed(ready, .probe) == nil)  // the loop runs the checks (every 5 s after each answer)
    }

    /// Once healthy, a passing check with the same message changes nothing:
    /// the loop is told so and keeps such answers back; any other answer
    /// changes the tuning back.
    @Test func aPassingCheckOfAHealthyServiceChangesNothingAndTheLoopIsToldSo() {
        let web = spec("web") { $0.health = HealthSpec(probe: .http("http://127.0.0.1:8080/")) }
        spawn(web, pid: 7)
        let first = supervisor.handle(.probed("web", pid: 7, .health, ok: true, message: "HTTP 200 OK"))
        #expect(first.contains(.tuneHealthChecks("web", HealthCheckTuning(pid: 7, quiet: true, quietMessage: "HTTP 200 OK"))))
        #expect(events(first).map(\.kind) == [.healthy])
        #expect(supervisor.handle(.probed("web", pid: 7, .health, ok: true, message: "HTTP 200 OK")) == [])
        let other = supervisor.handle(.probed("web", pid: 7, .health, ok: true, message: "HTTP 204 No Content"))
        #expect(other == [.tuneHealthChecks("web", HealthCheckTuning(pid: 7, quiet: true, quietMessage: "HTTP 204 No Content"))])
        let failed = supervisor.handle(.probed("web", pid: 7, .health, ok: false, message: "HTTP 500"))
        #expect(failed == [.tuneHealthChecks("web", HealthCheckTuning(pid: 7))])
        #expect(supervisor.handle(.stop("web")).contains(.endHealthChecks("web")))
    }

    /// `MAINPID=` moves the run to another process: the checks name it from then on.
    @Test func checksFollowTheMainProcess() {
        let web = spec("web") {
            $0.ready = .notify
            $0.health = HealthSpec(probe: .tcp("127.0.0.1:1"))
        }
        spawn(web, pid: 7)
        _ = supervisor.handle(.ready("web", pid: 7))
        let moved = supervisor.handle(.notice("web", pid: 7, .mainPID(9, group: 7)))
        #expect(moved.contains(.tuneHealthChecks("web", HealthCheckTuning(pid: 9))))
        #expect(supervisor.handle(.exited(pid: 9, status: .exited(1))).contains(.endHealthChecks("web")))
    }

    @Test func onHealthDecidesAndNilOnlyReports() {
        let web = spec("web") {
            $0.health = HealthSpec(probe: .function)
            $0.health?.failures = 1
            $0.scriptedFields = ["on_health"]
        }
        spawn(web, pid: 7)
        let effects = supervisor.handle(.probed("web", pid: 7, .health, ok: false, message: "no"))
        #expect(effects.contains { if case .event(let e, true) = $0 { e.kind == .unhealthy } else { false } })
        #expect(supervisor.handle(.healthDecided("web", starts: 1, nil)) == [])
        #expect(state("web") == .running && supervisor.snapshot("web")?.health == .unhealthy)
        #expect(supervisor.handle(.healthDecided("web", starts: 1, .fatal)).contains(.signalService("web", pgid: 7, .term)))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        _ = supervisor.handle(.groupGone("web"))
        #expect(state("web") == .fatal)
    }

    @Test func requiresConditionsStartedHealthyAndSucceeded() {
        let db = spec("db") {
            $0.ready = .notify
            $0.health = HealthSpec(probe: .tcp("127.0.0.1:1"))
        }
        let migrate = spec("migrate") { $0.once = true }
        let early = spec("early") {
            $0.requires = ["db"]
            $0.requireConditions = ["db": .started]
        }
        let web = spec("web") {
            $0.requires = ["db", "migrate"]
            $0.requireConditions = ["db": .healthy]
        }
        for s in [db, migrate, early, web] { _ = supervisor.handle(.add(s)) }
        _ = supervisor.handle(.boot)
        #expect(spawned(supervisor.handle(.spawned("db", .success(7)))) == ["early"])
        _ = supervisor.handle(.spawned("migrate", .success(8)))
        _ = supervisor.handle(.ready("db", pid: 7))
        #expect(state("web") == .waiting)
        #expect(spawned(supervisor.handle(.probed("db", pid: 7, .health, ok: true, message: nil))).isEmpty)
        #expect(supervisor.snapshot("web")?.waitingFor == ["migrate"])
        #expect(spawned(supervisor.handle(.exited(pid: 8, status: .exited(0)))) == ["web"])
    }

    @Test func aConditionThatCanNoLongerBeMetIsShown() {
        let migrate = spec("migrate") { $0.once = true }
        let web = spec("web") { $0.requires = ["migrate"] }
        _ = supervisor.handle(.add(migrate))
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("migrate", .success(8)))
        #expect(spawned(supervisor.handle(.exited(pid: 8, status: .exited(1)))).isEmpty)
        #expect(state("web") == .waiting)
        #expect(supervisor.snapshot("web")?.blocked == "migrate crashed (it needed to succeed)")
    }

    @Test func answersForAnEarlierProcessOrAnotherPhaseAreIgnored() {
        let web = spec("web") {
            $0.health = HealthSpec(probe: .tcp("127.0.0.1:1"))
            $0.health?.failures = 1
        }
        spawn(web, pid: 7)
        #expect(supervisor.handle(.probed("web", pid: 6, .health, ok: false, message: nil)) == [])
        #expect(supervisor.handle(.probed("web", pid: 7, .ready, ok: true, message: nil)) == [])
        #expect(supervisor.handle(.ready("web", pid: 7)) == [])  // already running
        _ = supervisor.handle(.stop("web"))
        #expect(supervisor.handle(.probed("web", pid: 7, .health, ok: false, message: nil)) == [])
    }
}
