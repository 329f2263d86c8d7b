import Testing

@testable import PPMDaemon
@testable import PPMMachine
@testable import PPMRuntime

/// `WhyExplainer` on made-up facts: the cases the end-to-end tests cannot
/// bring about here (an OOM kill needs a memory limit the machine enforces).
@Suite struct WhyExplainerTests {
    let now = 1_800_000_000.0

    func snapshot(_ state: ServiceState, restart: RestartPolicy = .onFailure) -> ServiceSnapshot {
        var spec = ServiceSpec(name: "big", cmd: ["/usr/bin/big"])
        spec.restart = restart
        spec.limits.memoryMax = 64 << 20
        return ServiceSnapshot(spec: spec, state: state, pid: nil, starts: 2, restarts: 1, crashes: 1)
    }

    func exit(_ fields: [String: JSONValue], at time: Double) -> JournalEntry {
        JournalEntry(seq: 1, time: time, type: "exit", name: "big", fields: fields.merging(["outcome": .string("crashed")]) { a, _ in a })
    }

    @Test func anOOMKillIsNamedAsSuch() {
        var facts = WhyFacts(service: snapshot(.crashed, restart: .never), now: now)
        facts.events = [
            exit(
                [
                    "signal": .int(9), "signame": .string("KILL"), "oom": .bool(true), "runtime": .double(12),
                    "tail": .string("allocating 2 GiB\n"),
                ], at: now - 5)
        ]
        let answer = WhyExplainer.explain(facts)
        #expect(answer.reason == "oom")
        #expect(answer.text.contains("killed by the kernel: out of memory (memory_max 64M) after 12.0 s"), "\(answer.text)")
        #expect(answer.text.contains("\"allocating 2 GiB\""), "\(answer.text)")
        #expect(answer.text.contains("restart = \"never\""), "\(answer.text)")
    }

    @Test func aSIGKILLTheDaemonDidNotSendSaysWhereItMayComeFrom() {
        var facts = WhyFacts(service: snapshot(.crashed, restart: .never), now: now)
        facts.events = [exit(["signal": .int(9), "signame": .string("KILL"), "runtime": .double(1)], at: now - 5)]
        let answer = WhyExplainer.explain(facts)
        #expect(answer.reason == "signal")
        #expect(answer.text.contains("was killed by signal KILL (not sent by ppm-lua"), "\(answer.text)")
    }

    @Test func aBackoffWaitTellsTheDelayChosenAndTheNextStart() {
        var s = snapshot(.waiting)
        s.crashes = 3
        s.startsIn = 2.5
        var facts = WhyFacts(service: s, now: now)
        facts.events = [exit(["result": .int(1), "runtime": .double(0.1)], at: now - 1.5)]
        let answer = WhyExplainer.explain(facts)
        #expect(answer.reason == "backoff")
        #expect(answer.nextStart == now + 2.5)
        #expect(answer.text.contains("crashed 3 times in a row"), "\(answer.text)")
        #expect(answer.text.contains("The restart waits 4.0 s"), "\(answer.text)")
    }

    @Test func aHealthActionThatGaveUpSaysSo() {
        var facts = WhyFacts(service: snapshot(.fatal), now: now)
        facts.events = [exit(["signal": .int(15), "signame": .string("TERM"), "cause": .string("unhealthy")], at: now - 3)]
        let answer = WhyExplainer.explain(facts)
        #expect(answer.reason == "fatal")
        #expect(answer.text.contains("on_health hook returned \"fatal\""), "\(answer.text)")
    }

    @Test func spansAndListsReadNaturally() {
        #expect(WhyExplainer.span(4.25) == "4.2 s" || WhyExplainer.span(4.25) == "4.3 s")
        #expect(WhyExplainer.span(60) == "1 min")
        #expect(WhyExplainer.span(3725) == "1 h 2 min")
        #expect(WhyExplainer.list(["a", "b", "c"]) == "a, b and c")
        #expect(WhyExplainer.oneLine("first\u{1b}[31m\nsecond") == "first [31m")
    }
}
