import PPMMachineTesting
import Testing

@testable import PPMMachine

/// The inputs a reload sends, and `requires` stopping dependents first.
@Suite struct ReloadTransitionTests {
    let supervisor = Supervisor(clock: ManualScheduler())

    func spec(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) -> ServiceSpec { testSpec(name, configure) }

    func spawns(_ effects: [Effect]) -> [String] {
        effects.compactMap { if case .spawn(let s) = $0 { s.name } else { nil } }
    }

    func signals(_ effects: [Effect]) -> [Int32] {
        effects.compactMap { if case .signalService(_, let pgid, _) = $0 { pgid } else { nil } }
    }

    /// Stops `pid`'s service as the loop would report it: exited, group gone.
    func gone(_ name: String, pid: Int32) -> [Effect] {
        supervisor.handle(.exited(pid: pid, status: .signaled(15))) + supervisor.handle(.groupGone(name))
    }

    @Test func aChangedRunningServiceRestartsWithTheNewSpecAndKeepsItsCounters() {
        _ = supervisor.handle(.add(spec("web")))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("web", .success(7)))
        let changed = spec("web") { $0.cmd = ["/bin/web", "--new"] }
        #expect(signals(supervisor.handle(.replace(changed))) == [7])
        let after = gone("web", pid: 7)
        #expect(after.contains(.spawn(changed)))
        _ = supervisor.handle(.spawned("web", .success(8)))
        #expect(supervisor.snapshot("web")?.starts == 2)
        #expect(supervisor.snapshot("web")?.restarts == 1)
    }

    /// A reload that drops a `requires`, or eases its condition, starts the
    /// dependent waiting on it (#24 item 4).
    @Test func aReloadReevaluatesServicesWaitingForWhatTheyRequire() {
        _ = supervisor.handle(.add(spec("db") { $0.startAfter = 100 }))
        _ = supervisor.handle(.add(spec("web") { $0.requires = ["db"] }))
        _ = supervisor.handle(.add(spec("job") { $0.once = true }))
        _ = supervisor.handle(.add(spec("api") { $0.requires = ["job"] }))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("job", .success(9)))
        #expect(supervisor.snapshot("web")?.state == .waiting && supervisor.snapshot("web")?.waitingFor == ["db"])
        #expect(supervisor.snapshot("api")?.state == .waiting)  // a once job must succeed first
        #expect(spawns(supervisor.handle(.replace(spec("web")))) == ["web"])
        let started = spec("api") {
            $0.requires = ["job"]
            $0.requireConditions = ["job": .started]
        }
        #expect(spawns(supervisor.handle(.replace(started))) == ["api"])
    }

    @Test func aChangedHeldServiceStaysStopped() {
        _ = supervisor.handle(.add(spec("web"), held: true))
        _ = supervisor.handle(.boot)
        let changed = spec("web") { $0.cmd = ["/bin/web", "--new"] }
        #expect(supervisor.handle(.replace(changed)) == [])
        #expect(supervisor.snapshot("web")?.state == .stopped)
        #expect(supervisor.snapshot("web")?.spec == changed)
    }

    @Test func servicesAddedByAReloadHonourWait() {
        _ = supervisor.handle(.boot)
        let effects = supervisor.handle(
            .declare([
                spec("migrate") {
                    $0.wait = true
                    $0.once = true
                }, spec("app"),
            ]))
        #expect(spawns(effects) == ["migrate"])
        _ = supervisor.handle(.spawned("migrate", .success(5)))
        #expect(spawns(supervisor.handle(.exited(pid: 5, status: .exited(0)))) == ["app"])
    }

    @Test func stoppingARequiredServiceStopsItsDependentsFirst() {
        _ = supervisor.handle(.add(spec("db")))
        _ = supervisor.handle(.add(spec("app") { $0.requires = ["db"] }))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("db", .success(10)))
        _ = supervisor.handle(.spawned("app", .success(20)))
        #expect(signals(supervisor.handle(.stop("db"))) == [20])
        #expect(supervisor.isHeld("app"))
        #expect(signals(gone("app", pid: 20)) == [10])
        _ = gone("db", pid: 10)
        #expect(supervisor.snapshot("db")?.state == .stopped)
        #expect(supervisor.snapshot("app")?.state == .stopped)
    }
}
