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

    /// Spawns taken at once, at most: each holds the write ends of its pipes
    /// and its cgroup's directory until the group is done, a share of the
    /// daemon's reserve.
    static let spawnGroup = 8

    /// Spawns taken at once under the descriptor gate: what a group holds
    /// for a moment (3 per spawn, and the two spawn contexts' report pipes)
    /// stays within the reserve with room to spare, so that a small limit
    /// (256: a reserve of 16, 2 at once) never fills the table mid-group
    /// and the daemon can accept clients throughout.
    var spawnGroupSize: Int {
        guard let reserve = descriptors?.reserve else { return Self.spawnGroup }
        return max(1, min(Self.spawnGroup, reserve / 8))
    }

    /// Starts a process of each spec, as `spawnService` does, several at
    /// once (`Spawner.spawnAll`); the results in the specs' order. A
    /// service with a notification pipe starts alone, in its turn.
    func spawnServices(_ specs: [ServiceSpec]) -> [Result<Int32, SpawnFailure>] {
        guard specs.count > 1 else { return specs.map(spawnService) }
        var results: [Result<Int32, SpawnFailure>?] = Array(repeating: nil, count: specs.count)
        var jobs: [(spec: ServiceSpec, output: ChildOutput)] = []
        var places: [Int] = []
        let groupSize = spawnGroupSize
        func startGroup() {
            guard !jobs.isEmpty else { return }
            let started = jobs.count == 1 ? [spawner.spawn(jobs[0].spec, output: jobs[0].output)] : spawner.spawnAll(jobs)
            output?.spawned()
            for (place, (job, result)) in zip(places, zip(jobs, started)) {
                if case .failure(let failure) = result { descriptors?.failed(job.spec.name, failure) }
                results[place] = result
            }
            jobs.removeAll(keepingCapacity: true)
            places.removeAll(keepingCapacity: true)
        }
        for (place, spec) in specs.enumerated() {
            if case .fd = spec.ready, notificationPipes != nil {
                startGroup()
                results[place] = spawnService(spec)
                continue
            }
            if let refusal = descriptors?.admit(spec.name, cost: descriptorCost(spec)) {
                results[place] = .failure(refusal)
                continue
            }
            if let missing = spawner.limitsUnavailable(spec) {
                write(
                    JournalNote("limits_unavailable", name: spec.name, fields: ["limits": .init(missing.fields), "error": .string(missing.reason)]))
            }
            let ends = output?.childOutput(for: spec) ?? ChildOutput()
            if output != nil && ((spec.stdout == nil && ends.stdout < 0) || (spec.stderr == nil && ends.stderr < 0)) {
                let failure = DescriptorGate.exhausted(EMFILE)
                descriptors?.failed(spec.name, failure)
                results[place] = .failure(failure)
                continue
            }
            jobs.append((spec, ends))
            places.append(place)
            if jobs.count == groupSize { startGroup() }
        }
        startGroup()
        // The write end a refused job's other stream was given, when no group started after it.
        output?.spawned()
        return results.map { $0! }
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
