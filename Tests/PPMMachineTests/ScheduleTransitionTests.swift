import PPMMachineTesting
import Testing

@testable import PPMMachine

/// A schedule's wait (`cron`): the service is idle until its next time,
/// shown as scheduled, and its runs are not counted as restarts.
@Suite struct ScheduleTransitionTests {
    let clock = ManualScheduler()
    let supervisor: Supervisor

    init() { supervisor = Supervisor(clock: clock) }

    @Test func aScheduledRunIsNotARestart() {
        let job = testSpec("job") {
            $0.restart = .function
            $0.scriptedFields = ["restart"]
        }
        _ = supervisor.handle(.add(job))
        _ = supervisor.handle(.start("job", after: 30, scheduled: true))  // ppm.first_start: the first due minute
        var s = supervisor.snapshot("job")
        #expect(s?.state == .waiting && s?.scheduled == true && s?.startsIn == 30)
        var pid: Int32 = 10
        for run in 1...3 {
            let timer = TimerID(name: "job", kind: .start, serial: run)
            #expect(supervisor.handle(.timer(timer)) == [.spawn(job)])
            _ = supervisor.handle(.spawned("job", .success(pid)))
            _ = supervisor.handle(.exited(pid: pid, status: .exited(0)))
            _ = supervisor.handle(.groupGone("job"))
            _ = supervisor.handle(.decided("job", starts: run, .schedule(after: 60)))
            s = supervisor.snapshot("job")
            #expect(s?.state == .waiting && s?.scheduled == true && s?.startsIn == 60)
            #expect(s?.restarts == 0 && s?.starts == run)
            pid += 1
        }
        #expect(s?.json["scheduled"] == .bool(true))
        // A backoff wait is not a schedule.
        _ = supervisor.handle(.start("job"))
        _ = supervisor.handle(.spawned("job", .success(pid)))
        _ = supervisor.handle(.exited(pid: pid, status: .exited(1)))
        _ = supervisor.handle(.groupGone("job"))
        _ = supervisor.handle(.decided("job", starts: 4, .restart(after: 5)))
        s = supervisor.snapshot("job")
        #expect(s?.state == .waiting && s?.scheduled == false && s?.restarts == 1)
    }
}
