import PPMMachineTesting
import PPMRuntime
import Testing

@testable import PPMMachine

/// Answers health checks from a script, on the scheduler's clock.
final class ScriptedProbes: ProbeRunner {
    var answers: [(ok: Bool, message: String?)] = []
    var started: [Double] = []
    let clock: ManualScheduler

    init(clock: ManualScheduler) { self.clock = clock }

    func run(
        _ probe: Probe, _ purpose: ProbePurpose, for spec: ServiceSpec, pid: Int32, timeout: Double,
        done: @escaping (_ ok: Bool, _ message: String?) -> Void
    ) {
        started.append(clock.now)
        let answer = answers.isEmpty ? (ok: true, message: "HTTP 200 OK") : answers.removeFirst()
        _ = clock.schedule(after: 0.01) { done(answer.ok, answer.message) }
    }
}

/// Health checks run by the loop (SPEC 9): every `every` after each answer,
/// and only the answers that change something reach the supervisor.
@Suite struct HealthCheckLoopTests {
    @Test func aPassingCheckOfAHealthyServiceReachesNeitherTheSupervisorNorTheJournal() {
        let rig = Rig()
        let probes = ScriptedProbes(clock: rig.clock)
        rig.loop.probeRunner = probes
        var turns = 0
        rig.loop.changesObserver = { _ in turns += 1 }
        rig.add("web") {
            $0.health = HealthSpec(probe: .http("http://127.0.0.1:8080/"))
            $0.health?.every = 1
            $0.health?.startPeriod = 2
        }
        rig.boot()
        let start = rig.clock.now
        rig.clock.advance(3.5)
        // start_period + every, up to 1 % (at most 5 ms) late: never early.
        #expect(probes.started.count == 1 && (3...3.005 + 1e-6).contains(probes.started[0] - start))
        #expect(rig.supervisor.snapshot("web")?.health == .healthy)
        #expect(rig.hooks.events.map(\.kind).filter { $0 == .healthy }.count == 1)
        turns = 0
        rig.clock.advance(10)
        // Every second after the previous answer; none of them a turn of the supervisor.
        #expect(probes.started.count == 11)
        #expect(zip(probes.started.dropFirst(), probes.started).allSatisfy { (1.01...1.015 + 1e-6).contains($0 - $1) })
        #expect(turns == 0)
        #expect(rig.hooks.events.map(\.kind).filter { $0 == .healthy }.count == 1)
    }

    @Test func failuresAreReportedAndRestartAfterExactlyFailuresChecks() {
        let rig = Rig()
        let probes = ScriptedProbes(clock: rig.clock)
        rig.loop.probeRunner = probes
        rig.add("web") {
            $0.health = HealthSpec(probe: .tcp("127.0.0.1:1"))
            $0.health?.every = 1
            $0.health?.failures = 3
        }
        rig.boot()
        let pid = rig.pid("web")
        probes.answers = [(true, "ok"), (false, "refused"), (false, "refused"), (true, "ok"), (false, "a"), (false, "b"), (false, "c")]
        rig.clock.advance(1.5)
        #expect(rig.supervisor.snapshot("web")?.health == .healthy)
        rig.clock.advance(3)  // two failures, then a pass: the count starts again
        #expect(rig.supervisor.snapshot("web")?.health == .healthy && rig.supervisor.snapshot("web")?.probeMessage == "ok")
        rig.clock.advance(2)
        #expect(rig.state("web") == .running && rig.spawner.signals.isEmpty)
        rig.clock.advance(1)
        #expect(rig.hooks.events.contains { $0.kind == .unhealthy && $0.error == "c" })
        #expect(rig.spawner.signals.contains { $0.pgid == pid })
        // The run stops: no check runs for it any more.
        let checked = probes.started.count
        rig.clock.advance(5)
        #expect(probes.started.count == checked)
    }
}
