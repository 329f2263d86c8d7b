import Glibc
import Testing

@testable import PPMMachine

@Suite struct RestartPolicyTests {
    @Test func crashesBackOffExponentiallyUpToTheCap() {
        let rig = Rig()
        rig.add("web")
        rig.boot()
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
        rig.boot()
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
        rig.boot()
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
        rig.boot()
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
        rig.boot()
        rig.exit("job", .exited(2))
        #expect(rig.state("job") == .crashed)
        #expect(rig.clock.pending.isEmpty)
    }

    @Test func hookDecisionsOverrideThePolicy() {
        let rig = Rig()
        rig.add("a", decides: true)
        rig.add("b", decides: true)
        rig.hooks.decide = { ev in
            guard ev.kind == .exit else { return nil }
            return ev.name == "a" ? .restart(after: 0) : .fatal
        }
        rig.boot()
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
        rig.boot()
        rig.exit("a", .exited(1))
        #expect(rig.state("a") == .waiting)
        let errors = rig.loop.journal.last(100).filter { $0.type == "hook_error" }
        #expect(errors.last?.fields["error"] == .string("ppm.lua:3: boom"))
    }

    @Test func repeatedSpawnFailuresBecomeFatal() {
        let rig = Rig()
        rig.spawner.failing = ["ghost"]
        rig.add("ghost")
        rig.boot()
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
        rig.boot()
        let pid = rig.supervisor.snapshot("web")!.pid!
        let stopped = Flag()
        rig.send(.stop("web", waiter: rig.waiter(stopped)))
        #expect(rig.state("web") == .stopping)
        #expect(rig.spawner.signals.map(\.signal) == [15])
        #expect(rig.spawner.signals.first?.pgid == pid)
        rig.clock.advance(3)
        #expect(rig.spawner.signals.map(\.signal) == [15, 9])
        #expect(!stopped.value)
        rig.send(.exited(pid: pid, status: .signaled(9)))
        #expect(stopped.value)
        #expect(rig.state("web") == .stopped)
        #expect(rig.hooks.events.last?.outcome == .stopped)
        rig.clock.advance(100)
        #expect(rig.state("web") == .stopped)
    }

    @Test func aStopWaitsForTheRestOfTheProcessGroup() {
        let rig = Rig()
        rig.add("web")
        rig.boot()
        let pid = rig.supervisor.snapshot("web")!.pid!
        let stopped = Flag()
        rig.send(.stop("web", waiter: rig.waiter(stopped)))
        rig.spawner.aliveGroups = [pid]
        rig.send(.exited(pid: pid, status: .signaled(15)))
        #expect(!stopped.value)
        #expect(rig.state("web") == .stopping)
        rig.clock.advance(10)
        #expect(rig.spawner.signals.last?.signal == 9)
        rig.spawner.aliveGroups = []
        rig.send(.exited(pid: 4242, status: .signaled(9)))  // the grandchild, reaped as an orphan
        #expect(stopped.value)
        #expect(rig.state("web") == .stopped)
    }

    @Test func pauseAndContinue() {
        let rig = Rig()
        rig.add("web")
        rig.boot()
        let pid = rig.supervisor.snapshot("web")!.pid!
        rig.send(.paused(pid: pid))
        #expect(rig.state("web") == .paused)
        rig.send(.continued(pid: pid))
        #expect(rig.state("web") == .running)
    }

    @Test func waitHoldsLaterServicesUntilItExits() {
        let rig = Rig()
        rig.add("migrate") {
            $0.wait = true
            $0.once = true
        }
        rig.add("web")
        rig.boot()
        #expect(rig.state("web") == .created)
        rig.exit("migrate", .exited(0))
        #expect(rig.state("migrate") == .finished)
        #expect(rig.state("web") == .running)
    }

    /// pmtr: "waits until it exits before starting up subsequent jobs" —
    /// its first exit, even when its policy restarts it later (#24 item 1).
    @Test func theFirstExitOfAWaitServiceReleasesTheOnesAfterIt() {
        let rig = Rig()
        rig.add("setup") {
            $0.wait = true
            $0.restart = .always
        }
        rig.add("late") {
            $0.wait = true
            $0.startAfter = 5
        }  // holds boot while it waits for its first run
        rig.add("web")
        rig.boot()
        #expect(rig.state("late") == .created)
        rig.exit("setup", .exited(0))
        #expect(rig.state("setup") == .waiting)  // restarted after the backoff delay
        #expect(rig.state("late") == .waiting)
        #expect(rig.state("web") == .created)  // `late` has not run yet
        rig.clock.advance(5)
        #expect(rig.state("late") == .running)
        #expect(rig.state("web") == .created)
        rig.exit("late", .exited(1))
        #expect(rig.state("late") == .waiting)  // crashed, backing off
        #expect(rig.state("web") == .running)
    }

    /// `requires` on a `once` job waits for its successful exit, not its
    /// start, and stays met once it has finished: a stop and start of the
    /// dependent starts it at once (#24 item 2; SPEC 9 `succeeded`).
    @Test func requiringAOnceJobWaitsForItsSuccessAndStaysMet() {
        let rig = Rig()
        rig.add("migrate") { $0.once = true }
        rig.add("web") { $0.requires = ["migrate"] }
        rig.boot()
        #expect(rig.state("migrate") == .running)
        #expect(rig.state("web") == .waiting)
        rig.exit("migrate", .exited(0))
        #expect(rig.state("migrate") == .finished)
        #expect(rig.state("web") == .running)
        let done = Flag()
        rig.send(.stop("web", waiter: rig.waiter(done)))
        rig.exit("web", .signaled(15))
        #expect(rig.state("web") == .stopped)
        rig.send(.start("web"))
        #expect(rig.state("web") == .running)
    }

    @Test func startAfterAutostartAndDisabled() {
        let rig = Rig()
        rig.add("late") { $0.startAfter = 5 }
        rig.add("manual") { $0.autostart = false }
        rig.add("off") { $0.disabled = true }
        rig.boot()
        #expect(rig.state("late") == .waiting)
        #expect(rig.state("manual") == .stopped)
        #expect(rig.state("off") == .disabled)
        rig.clock.advance(5)
        #expect(rig.state("late") == .running)
        rig.send(.start("manual"))
        #expect(rig.state("manual") == .running)
    }

    @Test func requiresStartsAfterAndStopsBefore() {
        let rig = Rig()
        rig.add("web") { $0.requires = ["db"] }
        rig.add("db") { $0.startAfter = 2 }
        rig.boot()
        #expect(rig.state("web") == .waiting)
        rig.clock.advance(2)
        #expect(rig.spawner.spawned.map(\.name) == ["db", "web"])
        let done = Flag()
        rig.send(.shutdown(waiter: rig.waiter(done)))
        let web = rig.supervisor.snapshot("web")!.pid!
        let db = rig.supervisor.snapshot("db")!.pid!
        #expect(rig.spawner.signals.map(\.pgid) == [web])
        rig.send(.exited(pid: web, status: .signaled(15)))
        #expect(rig.spawner.signals.map(\.pgid) == [web, db])
        rig.send(.exited(pid: db, status: .exited(0)))
        #expect(done.value)
        #expect(rig.state("db") == .stopped)
    }

    @Test func crashesDuringShutdownAreNotRestarted() {
        let rig = Rig()
        rig.add("a")
        rig.boot()
        rig.send(.shutdown())
        rig.exit("a", .exited(1))
        rig.clock.advance(100)
        #expect(rig.spawner.starts("a") == 1)
    }

    @Test func controlFromAHookRunsAfterTheCurrentEvent() {
        let rig = Rig()
        rig.add("a", decides: true)
        rig.add("b") { $0.autostart = false }
        rig.hooks.decide = { ev in
            if ev.kind == .exit && ev.name == "a" { rig.send(.start("b")) }
            return nil
        }
        rig.boot()
        rig.exit("a", .exited(0))
        #expect(rig.state("a") == .finished)
        #expect(rig.state("b") == .running)
    }

    @Test func restartRemoveAndGroups() {
        let rig = Rig()
        rig.add("a") { $0.groups = ["web"] }
        rig.add("b") { $0.groups = ["web"] }
        rig.boot()
        #expect(rig.supervisor.resolve("@web") == ["a", "b"])
        #expect(rig.supervisor.resolve("@nope") == nil)
        let old = rig.supervisor.snapshot("a")!.pid!
        rig.send(.restart("a"))
        rig.send(.exited(pid: old, status: .signaled(15)))
        #expect(rig.state("a") == .running)
        #expect(rig.supervisor.snapshot("a")!.pid != old)
        let removed = Flag()
        rig.send(.remove("b", waiter: rig.waiter(removed)))
        rig.exit("b", .signaled(15))
        #expect(removed.value)
        #expect(rig.supervisor.snapshot("b") == nil)
        #expect(rig.spawner.forgotten == ["b"])
        #expect(rig.supervisor.resolve("@web") == ["a"])
    }
}

@Suite struct HeldTests {
    @Test func aStopOnRequestIsRememberedUntilAStartOrRestart() {
        let rig = Rig()
        rig.add("a")
        rig.boot()
        rig.send(.stop("a"))
        #expect(rig.supervisor.isHeld("a"))
        rig.exit("a", .signaled(15))
        rig.send(.restart("a"))
        #expect(!rig.supervisor.isHeld("a"))
        #expect(rig.state("a") == .running)
    }

    @Test func heldServicesAreAddedStopped() {
        let rig = Rig()
        rig.send(.add(ServiceSpec(name: "h", cmd: ["/bin/h"]), held: true))
        rig.boot()
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
