import PPMMachineTesting
import Testing

@testable import PPMMachine

/// What a re-executed daemon (`ppm-lua upgrade`, the watchdog) hands over
/// comes back as `resume` inputs before boot.
@Suite struct ResumeTransitionTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor
    let web = ServiceSpec(name: "web", cmd: ["/bin/web"])

    init() { supervisor = Supervisor(clock: clock) }

    @Test func aServiceWaitingForItsBackoffStartsWhenItWasDueNotAtBoot() {
        _ = supervisor.handle(.add(web))
        let resumed = ResumedService(state: .waiting, held: false, starts: 3, restarts: 2, crashes: 3, lastExit: nil, startsIn: 4)
        let timer = TimerID(name: "web", kind: .start, serial: 1)
        #expect(supervisor.handle(.resume("web", resumed)) == [.arm(timer, after: 4)])
        #expect(supervisor.handle(.boot) == [])
        let snapshot = supervisor.snapshot("web")
        #expect(snapshot?.state == .waiting && snapshot?.startsIn == 4 && snapshot?.crashes == 3)
        #expect(supervisor.handle(.timer(timer)) == [.spawn(web)])
    }

    @Test func aServiceWaitingWithoutADelayIsStartedByBoot() {
        _ = supervisor.handle(.add(web))
        let resumed = ResumedService(state: .waiting, held: false, starts: 1, restarts: 0, crashes: 0, lastExit: nil)
        #expect(supervisor.handle(.resume("web", resumed)) == [])
        #expect(supervisor.handle(.boot) == [.spawn(web)])
    }
}
