import Testing
@testable import PPMCore
import Glibc

@Suite struct RestartPolicyTests {
    @Test func crashesBackOffExponentiallyUpToTheCap() {
        let rig = Rig()
        rig.add("web")
        rig.supervisor.boot()
        var delays: [Double] = []
        for _ in 0..<8 {
            rig.exit("web", .exited(1))
            #expect(rig.state("web") == .waiting)
            delays.append(rig.clock.pending.first!)
            rig.clock.advance(delays.last!)
            #expect(rig.state("web") == .running)
        }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60])
        #expect(rig.supervisor.snapshot("web")!.restarts == 8)
    }

    @Test func aRunOfTenSecondsResetsTheBackoff() {
        let rig = Rig()
        rig.add("web")
        rig.supervisor.boot()
        rig.exit("web", .exited(1))
        rig.clock.advance(1)
        rig.exit("web", .exited(1))
        #expect(rig.clock.pending == [2])
        rig.clock.advance(2)
        rig.clock.advance(10)
        rig.exit("web", .exited(1))
        #expect(rig.clock.pending == [1])
        #expect(rig.hooks.events.last { $0.kind == .exit }?.crashes == 1)
    }

    @Test func cleanExitFinishesUnderOnFailureButRestartsUnderAlways() {
        let rig = Rig()
        rig.add("job")
        rig.add("loop") { $0.restart = .always }
        rig.supervisor.boot()
        rig.exit("job", .exited(0))
        rig.exit("loop", .exited(0))
        #expect(rig.state("job") == .finished)
        #expect(rig.state("loop") == .waiting)
        rig.clock.advance(1)
        #expect(rig.state("loop") == .running)
    }

    @Test func aSigtermTheDaemonDidNotSendIsFinishedAndKillIsACrash() {
        let rig = Rig()
        rig.add("a")
        rig.add("b") { $0.restart = .never }
        rig.supervisor.boot()
        rig.exit("a", .signaled(15))
        rig.exit("b", .signaled(9))
        #expect(rig.state("a") == .finished)
        #expect(rig.state("b") == .crashed)
        let exit = rig.hooks.events.last { $0.kind == .exit && $0.name == "b" }!
        #expect(exit.outcome == .crashed)
        #expect(exit.fields["signame"] == .string("KILL"))
        #expect(exit.fields["result"] == nil)
    }

    @Test func onceNeverRestarts() {
        let rig = Rig()
        rig.add("job") { $0.once = true }
        rig.supervisor.boot()
        rig.exit("job", .exited(2))
        #expect(rig.state("job") == .crashed)
        #expect(rig.clock.pending.isEmpty)
    }

    @Test func hookDecisionsOverrideThePolicy() {
        let rig = Rig()
        rig.add("a")
        rig.add("b")
        rig.hooks.decide = { ev, _ in
            guard ev.kind == .exit else { return nil }
            return ev.name == "a" ? .restart(after: 0) : .fatal
        }
        rig.supervisor.boot()
        let first = rig.supervisor.snapshot("a")!.pid
        rig.exit("a", .exited(0))
        #expect(rig.state("a") == .running)
        #expect(rig.supervisor.snapshot("a")!.pid != first)
        #expect(rig.spawner.starts("a") == 2)
        rig.exit("b", .exited(1))
        #expect(rig.state("b") == .fatal)
        #expect(rig.hooks.events.last?.kind == .fatal)
    }

    @Test func hookErrorsAreJournaledAndTheDefaultApplies() {
        let rig = Rig()
        rig.add("a")
        rig.hooks.errors = ["ppm.lua:3: boom"]
        rig.supervisor.boot()
        rig.exit("a", .exited(1))
        #expect(rig.state("a") == .waiting)
        let errors = rig.supervisor.journal.last(100).filter { $0.type == "hook_error" }
        #expect(errors.last?.fields["error"] == .string("ppm.lua:3: boom"))
    }

    @Test func repeatedSpawnFailuresBecomeFatal() {
        let rig = Rig()
        rig.spawner.failing = ["ghost"]
        rig.add("ghost")
        rig.supervisor.boot()
        #expect(rig.hooks.events.first?.kind == .spawnFailed)
        #expect(rig.hooks.events.first?.error == "/bin/ghost: No such file or directory")
        for _ in 0..<10 { rig.clock.advance(60) }
        #expect(rig.state("ghost") == .fatal)
        #expect(rig.hooks.events.filter { $0.kind == .spawnFailed }.count == 5)
    }
}

@Suite struct LifecycleTests {
    @Test func stopSignalsTheGroupThenKillsAfterTheTimeout() {
        let rig = Rig()
        rig.add("web") { $0.stopTimeout = 3 }
        rig.supervisor.boot()
        let pid = rig.supervisor.snapshot("web")!.pid!
        var stopped = false
        try! rig.supervisor.stop("web") { stopped = true }
        #expect(rig.state("web") == .stopping)
        #expect(rig.spawner.signals.map(\.signal) == [15])
        #expect(rig.spawner.signals.first?.pgid == pid)
        rig.clock.advance(3)
        #expect(rig.spawner.signals.map(\.signal) == [15, 9])
        #expect(!stopped)
        rig.supervisor.processExited(pid: pid, status: .signaled(9))
        #expect(stopped)
        #expect(rig.state("web") == .stopped)
        #expect(rig.hooks.events.last?.outcome == .stopped)
        rig.clock.advance(100)
        #expect(rig.state("web") == .stopped)
    }

    @Test func aStopWaitsForTheRestOfTheProcessGroup() {
        let rig = Rig()
        rig.add("web")
        rig.supervisor.boot()
        let pid = rig.supervisor.snapshot("web")!.pid!
        var stopped = false
        try! rig.supervisor.stop("web") { stopped = true }
        rig.spawner.aliveGroups = [pid]
        rig.supervisor.processExited(pid: pid, status: .signaled(15))
        #expect(!stopped)
        #expect(rig.state("web") == .stopping)
        rig.clock.advance(10)
        #expect(rig.spawner.signals.last?.signal == 9)
        rig.spawner.aliveGroups = []
        rig.supervisor.processExited(pid: 4242, status: .signaled(9))  // the grandchild, reaped as an orphan
        #expect(stopped)
        #expect(rig.state("web") == .stopped)
    }

    @Test func pauseAndContinue() {
        let rig = Rig()
        rig.add("web")
        rig.supervisor.boot()
        let pid = rig.supervisor.snapshot("web")!.pid!
        rig.supervisor.processPaused(pid: pid)
        #expect(rig.state("web") == .paused)
        rig.supervisor.processContinued(pid: pid)
        #expect(rig.state("web") == .running)
    }

    @Test func waitHoldsLaterServicesUntilItExits() {
        let rig = Rig()
        rig.add("migrate") { $0.wait = true; $0.once = true }
        rig.add("web")
        rig.supervisor.boot()
        #expect(rig.state("web") == .created)
        rig.exit("migrate", .exited(0))
        #expect(rig.state("migrate") == .finished)
        #expect(rig.state("web") == .running)
    }

    @Test func startAfterAutostartAndDisabled() {
        let rig = Rig()
        rig.add("late") { $0.startAfter = 5 }
        rig.add("manual") { $0.autostart = false }
        rig.add("off") { $0.disabled = true }
        rig.supervisor.boot()
        #expect(rig.state("late") == .waiting)
        #expect(rig.state("manual") == .stopped)
        #expect(rig.state("off") == .disabled)
        rig.clock.advance(5)
        #expect(rig.state("late") == .running)
        try! rig.supervisor.start("manual")
        #expect(rig.state("manual") == .running)
    }

    @Test func requiresStartsAfterAndStopsBefore() {
        let rig = Rig()
        rig.add("web") { $0.requires = ["db"]; }
        rig.add("db") { $0.startAfter = 2 }
        rig.supervisor.boot()
        #expect(rig.state("web") == .waiting)
        rig.clock.advance(2)
        #expect(rig.spawner.spawned.map(\.name) == ["db", "web"])
        var done = false
        rig.supervisor.shutdown { done = true }
        let web = rig.supervisor.snapshot("web")!.pid!
        let db = rig.supervisor.snapshot("db")!.pid!
        #expect(rig.spawner.signals.map(\.pgid) == [web])
        rig.supervisor.processExited(pid: web, status: .signaled(15))
        #expect(rig.spawner.signals.map(\.pgid) == [web, db])
        rig.supervisor.processExited(pid: db, status: .exited(0))
        #expect(done)
        #expect(rig.state("db") == .stopped)
    }

    @Test func crashesDuringShutdownAreNotRestarted() {
        let rig = Rig()
        rig.add("a")
        rig.supervisor.boot()
        rig.supervisor.shutdown {}
        rig.exit("a", .exited(1))
        rig.clock.advance(100)
        #expect(rig.spawner.starts("a") == 1)
    }

    @Test func controlFromAHookRunsAfterTheCurrentEvent() {
        let rig = Rig()
        rig.add("a")
        rig.add("b") { $0.autostart = false }
        rig.hooks.decide = { ev, _ in
            if ev.kind == .exit && ev.name == "a" { try! rig.supervisor.start("b") }
            return nil
        }
        rig.supervisor.boot()
        rig.exit("a", .exited(0))
        #expect(rig.state("a") == .finished)
        #expect(rig.state("b") == .running)
    }

    @Test func restartRemoveAndGroups() {
        let rig = Rig()
        rig.add("a") { $0.groups = ["web"] }
        rig.add("b") { $0.groups = ["web"] }
        rig.supervisor.boot()
        #expect(rig.supervisor.resolve("@web") == ["a", "b"])
        #expect(rig.supervisor.resolve("@nope") == nil)
        let old = rig.supervisor.snapshot("a")!.pid!
        try! rig.supervisor.restart("a")
        rig.supervisor.processExited(pid: old, status: .signaled(15))
        #expect(rig.state("a") == .running)
        #expect(rig.supervisor.snapshot("a")!.pid != old)
        var removed = false
        try! rig.supervisor.remove("b") { removed = true }
        rig.exit("b", .signaled(15))
        #expect(removed)
        #expect(rig.supervisor.snapshot("b") == nil)
        #expect(throws: SupervisorError.unknown("b")) { try rig.supervisor.stop("b") }
    }
}

@Suite struct HeldTests {
    @Test func aStopOnRequestIsRememberedUntilAStartOrRestart() {
        let rig = Rig()
        var changes = 0
        rig.supervisor.onChange = { changes += 1 }
        rig.add("a")
        rig.supervisor.boot()
        try! rig.supervisor.stop("a")
        #expect(rig.supervisor.isHeld("a"))
        rig.exit("a", .signaled(15))
        try! rig.supervisor.restart("a")
        #expect(!rig.supervisor.isHeld("a"))
        #expect(rig.state("a") == .running)
        #expect(changes == 3)
    }

    @Test func heldServicesAreAddedStopped() {
        let rig = Rig()
        var spec = ServiceSpec(name: "h", cmd: ["/bin/h"])
        spec.autostart = true
        try! rig.supervisor.add(spec, held: true)
        rig.supervisor.boot()
        #expect(rig.state("h") == .stopped)
        #expect(rig.spawner.starts("h") == 0)
    }
}

@Suite struct TextTests {
    @Test func jsonTextIsCompactSortedAndEscaped() throws {
        let v: JSONValue = .object(["b": .array([.int(1), .double(1.5), .double(2), .null]), "a": .string("q\"\\\n\u{1}é")])
        #expect(v.text == #"{"a":"q\"\\\n\u0001é","b":[1,1.5,2.0,null]}"#)
        #expect(try JSONValue.parse(v.text) == .object(["b": .array([.int(1), .double(1.5), .int(2), .null]), "a": .string("q\"\\\n\u{1}é")]))
    }

    @Test func utcText() {
        #expect(ServiceEvent.utc(1_795_383_517.3956) == "2026-11-22T21:38:37.395Z")
        #expect(ServiceEvent.utc(0) == "1970-01-01T00:00:00.000Z")
    }
}

@Suite struct JournalTests {
    @Test func persistsAcrossRestartsAndStaysBounded() throws {
        let path = "/tmp/ppm-journal-\(getpid())-\(Int.random(in: 0..<1_000_000)).jsonl"
        defer { unlink(path) }
        do {
            let journal = Journal(path: path, capacity: 10, maxFileBytes: 2000)
            for i in 0..<100 { journal.record("start", name: "s\(i)", time: Double(i)) }
        }
        let size = try #require(FileContents.read(path)).utf8.count
        #expect(size <= 2000)
        let again = Journal(path: path, capacity: 10, maxFileBytes: 2000)
        #expect(again.last(3).map(\.name) == ["s97", "s98", "s99"])
        #expect(again.record("exit", name: "x", time: 200).seq == 101)
        #expect(again.last(5, name: "x").count == 1)
    }
}
