import PPMMachineTesting
import Testing

@testable import PPMMachine

/// The loop is the journal's one writer: daemon-level notes and service
/// events alike are numbered, timed and stamped with `utc` there, in the
/// order of the inputs.
@Suite struct JournalWriterTests {
    @Test func aNoteIsJournaledInItsPlaceAmongTheEventsOfATurn() {
        let rig = Rig()
        rig.add("web")
        rig.loop.turn {
            rig.boot()
            rig.loop.record(JournalNote("config", fields: ["added": .array([.string("web")])]))
        }
        let entries = rig.loop.journal.last(10)
        #expect(entries.map(\.type) == ["start", "config"])
        #expect(entries.map(\.seq) == [1, 2])
        for entry in entries {
            #expect(entry.time == rig.clock.wallNow)
            #expect(entry.fields["utc"] == .string(ServiceEvent.utc(rig.clock.wallNow)))
        }
    }

    @Test func hookErrorsOfAnEventFollowItWithTheirUTC() {
        let rig = Rig()
        rig.hooks.errors = ["ppm.on start: boom"]
        rig.add("web")
        rig.boot()
        let entries = rig.loop.journal.last(10)
        #expect(entries.map(\.type) == ["start", "hook_error"])
        #expect(entries.last?.name == "web")
        #expect(entries.last?.fields["error"] == .string("ppm.on start: boom"))
        #expect(entries.last?.fields["utc"] == .string(ServiceEvent.utc(rig.clock.wallNow)))
    }

    @Test func aNoteKeepsTheTimeItHappened() {
        let rig = Rig()
        rig.loop.record(JournalNote("remote_refused", fields: ["reason": .string("bad token")], time: 1_700_000_000.25))
        let entry = rig.loop.journal.last(1).first
        #expect(entry?.time == 1_700_000_000.25)
        #expect(entry?.fields["utc"] == .string("2023-11-14T22:13:20.250Z"))
    }
}

/// `whenGone`: what `quit` waits on for each service.
@Suite struct GoneWaiterTests {
    @Test func eachServiceIsReportedGoneBeforeTheShutdownCompletes() {
        let rig = Rig()
        rig.add("db")
        rig.add("web") { $0.requires = ["db"] }
        rig.boot()
        var told: [String] = []
        for name in ["db", "web"] { rig.send(.whenGone(name, waiter: rig.loop.waiter { told.append(name) })) }
        rig.send(.shutdown(waiter: rig.loop.waiter { told.append("shutdown") }))
        #expect(told.isEmpty)
        rig.send(.exited(pid: rig.spawner.lastPid("web")!, status: .signaled(15)))
        #expect(told == ["web"])
        rig.send(.exited(pid: rig.spawner.lastPid("db")!, status: .signaled(15)))
        #expect(told == ["web", "db", "shutdown"])
    }

    @Test func aServiceThatExitsOnItsOwnIsGoneToo() {
        let rig = Rig()
        rig.add("job") { $0.restart = .never }
        rig.boot()
        let gone = Flag()
        rig.send(.whenGone("job", waiter: rig.waiter(gone)))
        #expect(!gone.value)
        rig.exit("job", .exited(0))
        #expect(gone.value)
    }

    @Test func aServiceWithoutAProcessIsGoneAtOnce() {
        let rig = Rig()
        rig.add("idle") { $0.autostart = false }
        let gone = Flag()
        let unknown = Flag()
        rig.send(.whenGone("idle", waiter: rig.waiter(gone)))
        rig.send(.whenGone("nope", waiter: rig.waiter(unknown)))
        #expect(gone.value && unknown.value)
    }
}
