import PPMMachineTesting
import PPMRuntime
import Testing

@testable import PPMMachine

/// A boot batch starts its services in groups (`SupervisorLoop.spawnServices`),
/// each holding a few descriptors for a moment; under a small open-files
/// limit the groups shrink so that what they hold stays inside the
/// daemon's reserve. Before, groups of 8 held 28 descriptors at a limit of
/// 256 (a reserve of 16): the table filled mid-group, `accept` failed, and
/// the control socket went unwatched for a while (status unanswered).
@Suite struct SpawnGroupTests {
    /// Boots 20 services (no output pipes: each costs the gate 1) behind a
    /// gate reading `limit`; the sizes of the groups they started in.
    func groups(limit: Int?) -> [Int] {
        let rig = Rig()
        if let limit { rig.loop.descriptors = DescriptorGate(countOpen: { 0 }, readLimit: { limit }) }
        for n in 0..<20 { rig.add("s\(n)") }
        rig.boot()
        #expect(rig.spawner.spawned.count == 20)
        return rig.spawner.groups
    }

    @Test func aSmallLimitStartsTwoAtATime() {
        let groups = groups(limit: 256)
        #expect(!groups.isEmpty && groups.allSatisfy { $0 <= 2 }, "\(groups)")
    }

    @Test func anOrdinaryLimitStartsEightAtATime() {
        #expect(groups(limit: 1024).max() == 8)
        #expect(groups(limit: nil).max() == 8)
    }
}
