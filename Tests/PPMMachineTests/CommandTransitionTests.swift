import PPMMachineTesting
import Testing

@testable import PPMMachine

/// `pre_start` and `post_stop` (SPEC 10) in the transition: the spawn waits
/// for every pre_start command, a failing one is a `spawn_failed` with its
/// output's tail, and each run is over only once its post_stop commands ended.
@Suite struct CommandTransitionTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    func spec(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) -> ServiceSpec { testSpec(name, configure) }

    func commands(_ effects: [Effect]) -> [ServiceCommand] {
        effects.compactMap { if case .runCommand(let c) = $0 { c } else { nil } }
    }

    func spawns(_ effects: [Effect]) -> Int { effects.filter { if case .spawn = $0 { true } else { false } }.count }

    func events(_ effects: [Effect], _ kind: ServiceEvent.Kind) -> [ServiceEvent] {
        effects.compactMap { if case .event(let e, _) = $0, e.kind == kind { e } else { nil } }
    }

    static let ok = CommandResult(status: .exited(0))

    @Test func theSpawnWaitsForEachPreStartCommandInTurn() throws {
        let web = spec("web") {
            $0.preStart = [["/bin/migrate"], ["/bin/warm", "cache"]]
            $0.startTimeout = 30
        }
        _ = supervisor.handle(.add(web))
        let first = try #require(commands(supervisor.handle(.boot)).first)
        #expect(first.id.field == .preStart && first.cmd == ["/bin/migrate"] && first.timeout == 30 && first.spec == web)
        #expect(supervisor.snapshot("web")?.state == .starting)
        #expect(supervisor.snapshot("web")?.pid == nil)
        clock.advance(12)
        let after = supervisor.handle(.commandEnded(first.id, Self.ok))
        let second = try #require(commands(after).first)
        #expect(second.cmd == ["/bin/warm", "cache"] && second.timeout == 18)  // what is left of start_timeout
        #expect(spawns(after) == 0)
        #expect(supervisor.handle(.commandEnded(second.id, Self.ok)) == [.spawn(web)])
        _ = supervisor.handle(.spawned("web", .success(7)))
        #expect(supervisor.snapshot("web")?.state == .running)
        #expect(supervisor.snapshot("web")?.starts == 1)
    }

    @Test func aFailingPreStartIsASpawnFailureWithItsOutputAndNoProcess() throws {
        _ = supervisor.handle(.add(spec("web") { $0.preStart = [["/bin/sh", "-c", "check-db"]] }))
        let command = try #require(commands(supervisor.handle(.boot)).first)
        let ended = supervisor.handle(.commandEnded(command.id, CommandResult(status: .exited(3), tail: "connecting\ndb is down")))
        #expect(spawns(ended) == 0)
        let failed = try #require(events(ended, .spawnFailed).first)
        #expect(failed.error == "pre_start 'check-db' exited with status 3: db is down")
        #expect(failed.extra["tail"] == .string("connecting\ndb is down"))
        let s = try #require(supervisor.snapshot("web"))
        #expect(s.state == .waiting && s.spawnFailures == 1 && s.lastError == failed.error && s.startsIn == 1)
    }

    @Test func aPreStartPastItsTimeoutOrThatCannotRunFailsTheStart() throws {
        _ = supervisor.handle(
            .add(
                spec("web") {
                    $0.preStart = [["/bin/slow"]]
                    $0.startTimeout = 2
                    $0.once = true
                }))
        let command = try #require(commands(supervisor.handle(.boot)).first)
        let ended = supervisor.handle(.commandEnded(command.id, CommandResult(status: .signaled(15), timedOut: true)))
        #expect(events(ended, .spawnFailed).first?.error == "pre_start '/bin/slow' timed out after 2 s")
        #expect(supervisor.snapshot("web")?.state == .crashed)  // once: no retry
        let missing = try #require(
            commands(
                supervisor.handle(
                    .add(
                        spec("gone") {
                            $0.preStart = [["/nope"]]
                            $0.once = true
                        }))
            ).first)
        let failed = supervisor.handle(.commandEnded(missing.id, CommandResult(status: nil, error: "/nope: No such file or directory")))
        #expect(events(failed, .spawnFailed).first?.error == "pre_start '/nope' could not run: /nope: No such file or directory")
    }

    @Test func aStopDuringPreStartEndsTheCommandAndItsLateEndChangesNothing() throws {
        _ = supervisor.handle(.add(spec("web") { $0.preStart = [["/bin/migrate"]] }))
        let command = try #require(commands(supervisor.handle(.boot)).first)
        let waiter = Waiter(id: 4)
        let stop = supervisor.handle(.stop("web", waiter: waiter))
        #expect(stop.contains(.endCommand(command.id)) && stop.contains(.done(waiter)))
        #expect(supervisor.snapshot("web")?.state == .stopped)
        #expect(supervisor.handle(.commandEnded(command.id, CommandResult(status: .signaled(15)))) == [])
        #expect(supervisor.snapshot("web")?.state == .stopped && supervisor.snapshot("web")?.spawnFailures == 0)
    }

    @Test func aRestartDuringPreStartBeginsItAgainAndItsWaiterHearsOnceSpawned() throws {
        _ = supervisor.handle(.add(spec("web") { $0.preStart = [["/bin/migrate"]] }))
        let first = try #require(commands(supervisor.handle(.boot)).first)
        let waiter = Waiter(id: 9)
        let restart = supervisor.handle(.restart("web", waiter: waiter))
        let second = try #require(commands(restart).first)
        #expect(restart.contains(.endCommand(first.id)) && second.id != first.id)
        #expect(!restart.contains(.done(waiter)))
        #expect(supervisor.handle(.whenStarted("web", waiter: Waiter(id: 10))) == [])
        let spawned = supervisor.handle(.commandEnded(second.id, Self.ok))
        #expect(spawns(spawned) == 1 && spawned.contains(.done(waiter)) && spawned.contains(.done(Waiter(id: 10))))
        // Nothing to wait for once it runs.
        _ = supervisor.handle(.spawned("web", .success(7)))
        #expect(supervisor.handle(.whenStarted("web", waiter: Waiter(id: 11))) == [.done(Waiter(id: 11))])
    }

    @Test func postStopRunsAfterAnExitAndTheNextStartWaitsForIt() throws {
        let web = spec("web") {
            $0.postStop = [["/bin/cleanup"]]
            $0.stopTimeout = 4
        }
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("web", .success(7)))
        let exit = supervisor.handle(.exited(pid: 7, status: .exited(2)))
        #expect(commands(exit).isEmpty)  // not before what the run left is gone
        let timer = try #require(exit.lazy.compactMap { if case .arm(let id, _) = $0 { id } else { nil } }.first)
        clock.advance(1)
        _ = supervisor.handle(.timer(timer))  // the backoff is over: it waits for the leftovers
        let command = try #require(commands(supervisor.handle(.groupGone("web"))).first)
        #expect(command.id.field == .postStop && command.cmd == ["/bin/cleanup"] && command.timeout == 4)
        #expect(command.environment == ["EXIT_CODE": "exited", "EXIT_STATUS": "2"])
        #expect(supervisor.table["web"]?.phase == .waiting(.leftovers))
        #expect(supervisor.handle(.commandEnded(command.id, Self.ok)) == [.spawn(web)])
    }

    @Test func aStopCompletesOnlyOncePostStopEndedAndItsFailureIsOnlyJournaled() throws {
        let web = spec("web") { $0.postStop = [["/bin/a"], ["/bin/b"]] }
        _ = supervisor.handle(.add(web))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("web", .success(7)))
        let waiter = Waiter(id: 2)
        _ = supervisor.handle(.stop("web", waiter: waiter))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        let first = try #require(commands(supervisor.handle(.groupGone("web"))).first)
        #expect(first.environment == ["EXIT_CODE": "killed", "EXIT_STATUS": "TERM"])
        #expect(supervisor.snapshot("web")?.state == .stopping)
        let failed = supervisor.handle(.commandEnded(first.id, CommandResult(status: .exited(1), tail: "oops")))
        #expect(events(failed, .commandFailed).first?.extra["field"] == .string("post_stop"))
        let second = try #require(commands(failed).first)  // the next one runs all the same
        #expect(second.cmd == ["/bin/b"] && !failed.contains(.done(waiter)))
        let done = supervisor.handle(.commandEnded(second.id, Self.ok))
        #expect(done.contains(.done(waiter)))
        #expect(supervisor.snapshot("web")?.state == .stopped)
    }

    @Test func shutdownWaitsForPostStopCommands() throws {
        _ = supervisor.handle(.add(spec("web") { $0.postStop = [["/bin/cleanup"]] }))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("web", .success(7)))
        let waiter = Waiter(id: 1)
        _ = supervisor.handle(.shutdown(waiter: waiter))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(15)))
        let gone = supervisor.handle(.groupGone("web"))
        let command = try #require(commands(gone).first)
        #expect(!gone.contains(.done(waiter)))
        #expect(supervisor.handle(.commandEnded(command.id, Self.ok)).contains(.done(waiter)))
    }

    @Test func shutdownWaitsForThePostStopOfARunThatEndedOnItsOwn() throws {
        _ = supervisor.handle(
            .add(
                spec("job") {
                    $0.postStop = [["/bin/cleanup"]]
                    $0.once = true
                }))
        _ = supervisor.handle(.boot)
        _ = supervisor.handle(.spawned("job", .success(7)))
        let waiter = Waiter(id: 1)
        _ = supervisor.handle(.exited(pid: 7, status: .exited(0)))
        #expect(supervisor.handle(.shutdown(waiter: waiter)) == [])  // its post_stop is still to come
        let command = try #require(commands(supervisor.handle(.groupGone("job"))).first)
        #expect(supervisor.handle(.commandEnded(command.id, Self.ok)).contains(.done(waiter)))
    }
}
