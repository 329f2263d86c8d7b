import PPMMachineTesting
import Testing

@testable import PPMMachine

/// Stop ladders and `stop_cmd` (SPEC 10) in the transition: each signal
/// after the wait of the step before, SIGKILL after the last, each later
/// step journaled with the seconds since the stop began.
@Suite struct LadderTransitionTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    func spec(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) -> ServiceSpec { testSpec(name, configure) }

    @discardableResult
    func running(_ spec: ServiceSpec, pid: Int32) -> [Effect] { supervisor.running(spec, pid: pid) }

    func armed(_ effects: [Effect], _ kind: TimerID.Kind) -> (TimerID, Double)? {
        effects.lazy.compactMap { if case .arm(let id, let after) = $0, id.kind == kind { (id, after) } else { nil } }.first
    }

    func signals(_ effects: [Effect]) -> [Int32] {
        effects.compactMap { if case .signalService(_, _, let sig) = $0 { sig.rawValue } else { nil } }
    }

    func events(_ effects: [Effect], _ kind: ServiceEvent.Kind) -> [ServiceEvent] {
        effects.compactMap { if case .event(let e, _) = $0, e.kind == kind { e } else { nil } }
    }

    func quitTermKill(_ spec: inout ServiceSpec) {
        spec.stopSignal = 3
        spec.stopLadder = [StopStep(signal: 3, wait: 5), StopStep(signal: 15, wait: 3)]
    }

    @Test func eachSignalFollowsTheWaitOfTheStepBeforeAndKillEndsTheLadder() throws {
        running(spec("web", quitTermKill), pid: 7)
        let stop = supervisor.handle(.stop("web"))
        #expect(signals(stop) == [3])
        #expect(events(stop, .stop).first?.extra["signame"] == .string("QUIT"))
        var (timer, wait) = try #require(armed(stop, .kill))
        #expect(wait == 5)
        clock.advance(5)
        let term = supervisor.handle(.timer(timer))
        #expect(signals(term) == [15])
        let step = try #require(events(term, .stopStep).first)
        #expect(step.extra == ["signame": .string("TERM"), "step": .int(2), "after": .double(5)])
        (timer, wait) = try #require(armed(term, .kill))
        #expect(wait == 3)
        clock.advance(3)
        let kill = supervisor.handle(.timer(timer))
        #expect(signals(kill) == [9])
        #expect(events(kill, .stopStep).first?.extra["after"] == .double(8))
        #expect(armed(kill, .kill) == nil)
        #expect(supervisor.snapshot("web")?.state == .stopping)
    }

    @Test func theLadderGoesOnForAGroupThatOutlivesItsLeader() throws {
        running(spec("web", quitTermKill), pid: 7)
        let (timer, _) = try #require(armed(supervisor.handle(.stop("web")), .kill))
        _ = supervisor.handle(.exited(pid: 7, status: .signaled(3)))
        #expect(supervisor.table["web"]?.phase == .draining(pgid: 7, then: .hold))
        clock.advance(5)
        let term = supervisor.handle(.timer(timer))
        #expect(term.contains(.signalService("web", pgid: 7, 15)))
        #expect(events(term, .stopStep).first?.pid == nil)
        #expect(supervisor.handle(.groupGone("web")).contains(.persist(.gone("web"))))
        #expect(supervisor.snapshot("web")?.state == .stopped)
    }

    @Test func aLastStepWithoutItsWaitWaitsTheStopTimeout() throws {
        let ladder = [StopStep(signal: 3, wait: 1), StopStep(signal: 2, wait: nil)]
        running(
            spec("own") {
                $0.stopSignal = 3
                $0.stopLadder = ladder
                $0.stopTimeout = 4
            }, pid: 7)
        running(
            spec("default") {
                $0.stopSignal = 3
                $0.stopLadder = ladder
            }, pid: 8)
        for (name, expected) in [("own", 4.0), ("default", 10.0)] {
            let (timer, _) = try #require(armed(supervisor.handle(.stop(name)), .kill))
            clock.advance(1)
            let next = supervisor.handle(.timer(timer))
            #expect(signals(next) == [2])
            #expect(armed(next, .kill)?.1 == expected)
        }
    }

    @Test func aStopCommandRunsInsteadOfTheFirstSignalAndTheLadderGoesOn() throws {
        running(
            spec("web") {
                quitTermKill(&$0)
                $0.stopCmd = ["/bin/web-stop", "--graceful"]
            }, pid: 7)
        let stop = supervisor.handle(.stop("web"))
        #expect(signals(stop) == [])
        let command = try #require(stop.lazy.compactMap { if case .runCommand(let c) = $0 { c } else { nil } }.first)
        #expect(command.id.field == .stopCmd && command.cmd == ["/bin/web-stop", "--graceful"])
        #expect(command.environment == ["MAINPID": "7"] && command.timeout == 5)
        #expect(events(stop, .stop).first?.extra["stop_cmd"] == .string("/bin/web-stop --graceful"))
        // Its end changes nothing while the process lives; its wait ends in the next step.
        #expect(supervisor.handle(.commandEnded(command.id, CommandResult(status: .exited(0)))) == [])
        let (timer, _) = try #require(armed(stop, .kill))
        clock.advance(5)
        #expect(signals(supervisor.handle(.timer(timer))) == [15])
    }

    @Test func aFailedStopCommandIsJournaledAndTheStopGoesOn() throws {
        running(spec("web") { $0.stopCmd = ["/bin/sh", "-c", "exit 4"] }, pid: 7)
        let stop = supervisor.handle(.stop("web"))
        let command = try #require(stop.lazy.compactMap { if case .runCommand(let c) = $0 { c } else { nil } }.first)
        let ended = supervisor.handle(.commandEnded(command.id, CommandResult(status: .exited(4), tail: "no pidfile")))
        let failed = try #require(events(ended, .commandFailed).first)
        #expect(failed.error == "exited with status 4")
        #expect(failed.extra == ["field": .string("stop_cmd"), "cmd": .string("exit 4"), "tail": .string("no pidfile")])
        #expect(supervisor.snapshot("web")?.state == .stopping)
        _ = supervisor.handle(.exited(pid: 7, status: .exited(0)))
        _ = supervisor.handle(.groupGone("web"))
        #expect(supervisor.snapshot("web")?.state == .stopped)
    }

    @Test func theLeftoversOfAnExitGetTheLaddersFirstStep() {
        running(
            spec("web") {
                quitTermKill(&$0)
                $0.restart = .never
            }, pid: 7)
        let exit = supervisor.handle(.exited(pid: 7, status: .exited(1)))
        #expect(exit.contains(.endGroup("web", pgid: 7, signal: 3, killAfter: 5)))
    }
}
