import PPMMachineTesting
import Testing

@testable import PPMMachine

/// Stop and start events say why they happen (`cause`: cli, hook, depends,
/// bounce, reload, policy, unhealthy, shutdown) (#24 item 10).
@Suite struct CauseTransitionTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    func causes(_ effects: [Effect], _ kind: ServiceEvent.Kind) -> [String?] {
        effects.compactMap { if case .event(let e, _) = $0, e.kind == kind { e.cause } else { nil } }
    }

    /// Stops run `pid` as the loop reports it and spawns the next as `next`; the effects of both.
    func cycle(_ name: String, pid: Int32, next: Int32) -> [Effect] {
        supervisor.handle(.exited(pid: pid, status: .signaled(15))) + supervisor.handle(.groupGone(name))
            + supervisor.handle(.spawned(name, .success(next)))
    }

    @Test func eachStopAndStartSaysWhy() {
        let web = testSpec("web") { $0.bounce = 60 }
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.boot)
        #expect(causes(supervisor.handle(.spawned("web", .success(7))), .start) == [nil])  // boot

        #expect(causes(supervisor.handle(.restart("web", cause: "cli")), .stop) == ["cli"])
        #expect(causes(cycle("web", pid: 7, next: 8), .start) == ["cli"])

        #expect(causes(supervisor.handle(.restart("web", cause: "depends")), .stop) == ["depends"])
        #expect(causes(cycle("web", pid: 8, next: 9), .start) == ["depends"])

        let bounce = supervisor.table["web"]!.timers[.bounce]!
        #expect(causes(supervisor.handle(.timer(bounce)), .stop) == ["bounce"])
        #expect(causes(cycle("web", pid: 9, next: 10), .start) == ["bounce"])

        let changed = testSpec("web") {
            $0.bounce = 60
            $0.cmd = ["/bin/web", "--new"]
        }
        #expect(causes(supervisor.handle(.replace(changed)), .stop) == ["reload"])
        #expect(causes(cycle("web", pid: 10, next: 11), .start) == ["reload"])

        // A crash restarted by the policy.
        let crash = supervisor.handle(.exited(pid: 11, status: .exited(1))) + supervisor.handle(.groupGone("web"))
        let start = crash.compactMap { if case .arm(let id, _) = $0, id.kind == .start { id } else { nil } }.first
        #expect(start != nil)
        if let start { _ = supervisor.handle(.timer(start)) }
        #expect(causes(supervisor.handle(.spawned("web", .success(12))), .start) == ["policy"])

        #expect(causes(supervisor.handle(.stop("web", cause: "hook")), .stop) == ["hook"])
        _ = supervisor.handle(.exited(pid: 12, status: .signaled(15)))
        _ = supervisor.handle(.groupGone("web"))
        _ = supervisor.handle(.start("web", cause: "hook"))
        #expect(causes(supervisor.handle(.spawned("web", .success(13))), .start) == ["hook"])

        #expect(causes(supervisor.handle(.shutdown()), .stop) == ["shutdown"])
    }
}
