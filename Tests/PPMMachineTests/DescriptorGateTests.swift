import Glibc
import PPMMachineTesting
import Testing

@testable import PPMMachine
@testable import PPMRuntime

/// The services' share of the open-files limit (SPEC 13): a reserve stays
/// free for the daemon, the table is counted only when the estimate says
/// no (at most once a turn), and a start that finds no descriptor is
/// `fatal` at once, with one `spawn_failed`, naming the limit.
@Suite struct DescriptorGateTests {
    /// A gate over a pretend table: `limit` descriptors, `open` of them open.
    final class Table {
        var limit = 256
        var open: Int? = 40
        var counts = 0
        lazy var gate = DescriptorGate(
            countOpen: { [unowned self] in
                counts += 1
                return open
            }, readLimit: { [unowned self] in limit })
    }

    @Test func servicesStopShortOfTheReserveAndTheTableIsCountedOnce() {
        let table = Table()
        let gate = table.gate
        #expect(gate.reserve == 16)
        // 256 - 40 open - 16 kept: 200 descriptors, 40 services of 5.
        let admitted = (0..<100).filter { gate.admit("s\($0)", cost: 5) == nil }
        #expect(admitted == Array(0..<40))
        #expect(table.counts == 1, "a boot counts once, whatever it refuses")
        // A restart keeps what its service holds: no charge, no count.
        #expect(gate.admit("s3", cost: 5) == nil)
        #expect(table.counts == 1)
    }

    @Test func aRefusalNamesTheLimitAndWhatToRaiseAndIsReportedOncePerEpisode() throws {
        let table = Table()
        table.limit = 64
        let gate = table.gate
        var reported: [String] = []
        gate.onExhausted = { name, _ in reported.append(name) }
        let refusals = (0..<20).compactMap { gate.admit("s\($0)", cost: 5) }
        let first = try #require(refusals.first)
        #expect(first.outOfDescriptors)
        #expect(first.message.contains("open-files limit (64"), "\(first.message)")
        #expect(first.message.contains("LimitNOFILE") && first.message.contains("ulimit -n"), "\(first.message)")
        #expect(reported == ["s1"], "once per episode: \(reported)")
    }

    @Test func descriptorsFreedElsewhereAreFoundByTheNextTurnsCount() {
        let table = Table()
        let gate = table.gate
        for i in 0..<45 { _ = gate.admit("s\(i)", cost: 5) }
        #expect(gate.admit("late", cost: 5) != nil)
        // Something let go of 30 descriptors; the same turn does not count again.
        table.open = 40 + 200 - 30
        #expect(gate.admit("late", cost: 5) != nil)
        gate.turnEnded()
        #expect(gate.admit("late", cost: 5) == nil)
        #expect(table.counts == 2)
    }

    @Test func removedServicesGiveBackWhatTheyWereCharged() {
        let table = Table()
        let gate = table.gate
        for i in 0..<40 { _ = gate.admit("s\(i)", cost: 5) }
        gate.forget("s0")
        gate.forget("s1")
        #expect(gate.admit("new1", cost: 5) == nil)
        #expect(gate.admit("new2", cost: 5) == nil)
        #expect(table.counts == 1)
    }

    @Test func aKernelRefusalGivesTheChargeBack() {
        let table = Table()
        let gate = table.gate
        for i in 0..<40 { _ = gate.admit("s\(i)", cost: 5) }
        gate.failed("s39", DescriptorGate.exhausted(EMFILE))
        #expect(gate.admit("other", cost: 5) == nil)
        #expect(table.counts == 1)
    }

    @Test func promisedLogFilesCountAsOpen() {
        let table = Table()
        let gate = table.gate
        gate.promised = { 100 }
        let admitted = (0..<100).filter { gate.admit("s\($0)", cost: 5) == nil }
        #expect(admitted.count == 20)
    }

    @Test func aTableTooFullToBeCountedAdmitsNothing() {
        let table = Table()
        table.open = nil
        #expect(table.gate.admit("s", cost: 1)?.outOfDescriptors == true)
    }

    @Test func theSystemTableFullSaysSo() {
        let failure = DescriptorGate.exhausted(ENFILE)
        #expect(failure.outOfDescriptors && failure.message.contains("fs.file-max"))
    }

    @Test func outOfDescriptorsIsFatalAtOnceWithOneSpawnFailed() {
        let clock = ManualScheduler()
        let supervisor = Supervisor(clock: clock)
        let spec = testSpec("web")
        _ = supervisor.handle(.add(spec))
        _ = supervisor.handle(.boot)
        let effects = supervisor.handle(.spawned("web", .failure(DescriptorGate.exhausted(EMFILE))))
        let kinds = effects.compactMap { if case .event(let e, _) = $0 { e.kind } else { nil } }
        #expect(kinds == [.spawnFailed, .fatal])
        #expect(!effects.contains { if case .arm = $0 { true } else { false } }, "no retry is armed")
        let snapshot = supervisor.snapshot("web")
        #expect(snapshot?.state == .fatal)
        #expect(snapshot?.lastError?.contains("open-files limit") == true)
    }
}

/// A boot of many services is taken in batches, each in a turn of its own,
/// so that the loop answers clients in between (a boot of 2000 was one
/// turn of over 10 s on a loaded machine: the stall watchdog re-executed the daemon).
@Suite struct BootBatchTests {
    @Test func aLargeBootStartsEveryServiceOnceInBatchesOfItsOwnTurn() {
        let supervisor = Supervisor(clock: ManualScheduler())
        for i in 0..<250 { _ = supervisor.handle(.add(testSpec("s\(i)"))) }
        let first = supervisor.handle(.boot)
        let spawned = { (effects: [Effect]) in effects.compactMap { if case .spawn(let s) = $0 { s.name } else { nil } } }
        #expect(spawned(first) == (0..<Supervisor.bootBatch).map { "s\($0)" })
        let bootTimer = { (effects: [Effect]) in
            effects.compactMap { if case .arm(let id, let after) = $0, id.kind == .boot, after == 0 { id } else { nil } }.first
        }
        var all = spawned(first)
        var timer = bootTimer(first)
        var turns = 1
        while let due = timer {
            let next = supervisor.handle(.timer(due))
            all += spawned(next)
            timer = bootTimer(next)
            turns += 1
            // A stale timer starts nothing.
            #expect(spawned(supervisor.handle(.timer(due))).isEmpty)
        }
        #expect(all == (0..<250).map { "s\($0)" })
        #expect(turns == 3)
    }
}
