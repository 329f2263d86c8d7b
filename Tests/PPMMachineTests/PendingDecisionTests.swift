import PPMMachineTesting
import Testing

@testable import PPMMachine

/// A deciding hook that suspends (`ppm.sleep`, `ppm.probe.*` in `on_exit`, a
/// policy or `on_health`): the service stays `deciding` until the `decided`
/// input brings the answer, and requests made meanwhile win over it.
@Suite struct PendingDecisionTests {
    @Test func anExitWaitsInDecidingUntilTheLateDecisionArrives() {
        let rig = Rig()
        rig.hooks.pending = true
        rig.add("job", decides: true)
        rig.boot()
        rig.exit("job", .exited(3))
        #expect(rig.state("job") == .crashed)
        #expect(rig.clock.pending.isEmpty && rig.spawner.starts("job") == 1)  // nothing decided yet: no backoff armed
        rig.send(.decided("job", starts: 1, .restart(after: 0)))
        #expect(rig.spawner.starts("job") == 2 && rig.state("job") == .running)
    }

    @Test func aStartAskedWhileDecidingWinsAndTheLateAnswerIsIgnored() {
        let rig = Rig()
        rig.hooks.pending = true
        rig.add("job", decides: true)
        rig.boot()
        rig.exit("job", .exited(3))
        rig.send(.start("job"))
        #expect(rig.spawner.starts("job") == 2)
        rig.send(.decided("job", starts: 1, .fatal))
        #expect(rig.state("job") == .running)
    }
}
