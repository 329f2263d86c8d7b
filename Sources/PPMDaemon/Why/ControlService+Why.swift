import PPMClient
import PPMMachine
import PPMProtocol

/// `why NAME` (SPEC 11): the live state and the journal read in one turn
/// of the loop, explained by `WhyExplainer`.
extension ControlService {
    /// The `why` reply: `WhyAnswer.json`.
    func why(_ request: ControlRequest) -> Result<JSONValue, ControlFailure> {
        guard let name = request.string("name") else { return .failure(ControlFailure("missing argument 'name'")) }
        guard let service = supervisor.snapshot(name) else { return .failure(unknownService(name)) }
        var facts = WhyFacts(service: service, now: scheduler.wallNow)
        facts.settings = supervisor.settings
        facts.events = journal.last(200, name: name)
        facts.lastRequest = requestLog.last(name)
        facts.requirements = supervisor.requirements(of: name).map { r in
            let other = supervisor.snapshot(r.name)
            return WhyFacts.Requirement(
                name: r.name, condition: r.condition, state: other?.state, health: other?.health,
                probeMessage: other?.probeMessage, met: r.met, never: r.never)
        }
        facts.heldRequirements = service.spec.requires.filter { supervisor.isHeld($0) && supervisor.snapshot($0)?.state == .stopped }
        return .success(WhyExplainer.explain(facts).json)
    }

    /// Remembers which client asked to start, stop, restart or signal
    /// which services (`why` tells who stopped a service).
    func noteRequest(_ request: ControlRequest, remote: Bool) {
        guard let cmd = ControlRequestLog.recorded[request.cmd], case .success(let names) = resolve(request.strings("names")) else { return }
        requestLog.note(
            names, cmd: cmd, remote: remote, time: scheduler.wallNow, signal: cmd == "signal" ? request.string("signal") : nil,
            known: supervisor.names.count
        ) { [supervisor] in supervisor.snapshot($0) != nil }
    }
}
