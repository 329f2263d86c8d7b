import Glibc
import PPMMachine

/// The `spawn` effect: the pipes a new process writes to, the process, and
/// the descriptor budget around them. A start that finds no descriptor
/// (refused by the gate, a pipe that cannot be made, EMFILE/ENFILE in the
/// spawn) fails with `outOfDescriptors`: the service goes `fatal` at once,
/// naming the limit, and the other services run on.
extension SupervisorLoop {
    /// Starts a process of `spec`: its pid, or why not.
    func spawnService(_ spec: ServiceSpec) -> Result<Int32, SpawnFailure> {
        if let refusal = descriptors?.admit(spec.name, cost: descriptorCost(spec)) { return .failure(refusal) }
        if let missing = spawner.limitsUnavailable(spec) {
            write(JournalNote("limits_unavailable", name: spec.name, fields: ["limits": .init(missing.fields), "error": .string(missing.reason)]))
        }
        var ends = output?.childOutput(for: spec) ?? ChildOutput()
        let notifies = if case .fd = spec.ready { true } else { false }
        if notifies, let pipes = notificationPipes { ends.notify = pipes.prepare(spec.name) }
        // A pipe that could not be made (pipe2 fails only for want of descriptors):
        // the child would write to the daemon's own stderr instead.
        let noPipe =
            output != nil && ((spec.stdout == nil && ends.stdout < 0) || (spec.stderr == nil && ends.stderr < 0))
            || (notifies && notificationPipes != nil && ends.notify < 0)
        let result = noPipe ? .failure(DescriptorGate.exhausted(EMFILE)) : spawner.spawn(spec, output: ends)
        output?.spawned()
        if notifies { notificationPipes?.spawned(spec.name, result) }
        if case .failure(let failure) = result { descriptors?.failed(spec.name, failure) }
        return result
    }

    /// What a process of `spec` keeps open once started the first time: a
    /// pidfd, a pipe read end per captured stream (both ends while no fd
    /// holder keeps them), the read end of its notification pipe. Its log
    /// files are open only while among the recently written ones, a share
    /// the gate counts once for all services (`OutputCapture.unopenedLogFiles`).
    func descriptorCost(_ spec: ServiceSpec) -> Int {
        var cost = 1
        if let output {
            if spec.stdout == nil { cost += output.descriptorsPerStream }
            if spec.stderr == nil { cost += output.descriptorsPerStream }
        }
        if case .fd = spec.ready, notificationPipes != nil { cost += 1 }
        return cost
    }
}
