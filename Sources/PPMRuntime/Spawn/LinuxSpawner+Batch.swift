import CSystem
import Dispatch
import Glibc
package import PPMMachine
import Synchronization

/// Several spawns at once (a boot batch, `start all`): each spawn waits in
/// clone(CLONE_VFORK) until its child has exec'd, and on a busy machine the
/// child often waits for a core first; one after another, those waits add
/// up (at 10,000 services, most of the start). Here the loop's thread and
/// the spawner's own threads (three: more children on their way to exec
/// than cores, so that a core is seldom idle while the others wait) each
/// wait for a child of their own (`ppm_spawn_on`, one spawn context each),
/// while everything else of the spawns (cgroups, commands, pidfd watches,
/// the cache) stays on the loop's thread, before and after.
extension LinuxSpawner {
    /// Starts each job like `spawn(_:output:)`; the results in the same order.
    package func spawnAll(_ jobs: [(spec: ServiceSpec, output: ChildOutput)]) -> [Result<Int32, SpawnFailure>] {
        guard jobs.count > 1 else { return jobs.map { spawn($0.spec, output: $0.output) } }
        var results: [Result<Int32, SpawnFailure>?] = Array(repeating: nil, count: jobs.count)
        var ready: [BatchSpawn.Item] = []
        ready.reserveCapacity(jobs.count)
        for (index, job) in jobs.enumerated() {
            let target: CgroupTarget?
            switch cgroupTarget(job.spec) {
            case .success(let opened): target = opened
            case .failure(let failure):
                results[index] = .failure(failure)
                continue
            }
            switch command(for: job.spec) {
            case .success(let (command, fresh)):
                ready.append(.init(index: index, command: command, fresh: fresh, output: job.output, cgroup: target))
            case .failure(let failure):
                target?.close()
                results[index] = .failure(failure)
            }
        }
        let batch = BatchSpawn(ready, watching: childWatcher != nil)
        batch.run(helpers: spawnHelpers)
        for (item, (outcome, pidfd)) in zip(ready, batch.outcomes) {
            let spec = jobs[item.index].spec
            var final = outcome
            if !item.fresh && Self.isStalePath(outcome) {
                // The cached executable is gone: search again, once (as `launch` does).
                if pidfd >= 0 { close(pidfd) }
                prepared[spec.name] = nil
                final = launch(spec, stdinFD: -1, output: item.output, cgroup: item.cgroup)
            } else {
                if item.fresh { keep(item.command, of: spec, after: outcome) }
                if case .started(let pid) = outcome, pidfd >= 0 { childWatcher?.watch(child: pid, pidfd: pidfd) }
            }
            item.cgroup?.close()
            switch final {
            case .started(let pid): results[item.index] = .success(pid)
            case .failed(let failure, let code, _, _): results[item.index] = .failure(Self.named(failure, code))
            }
        }
        return results.map { $0! }
    }
}

/// The parallel part of `spawnAll`: the prepared spawns, taken in turn by
/// the calling thread (context 0) and the helper threads (contexts 1, 2,
/// …); each writes only its own items' outcomes. `@unchecked Sendable`:
/// the items are read-only while the threads run, `outcomes` is written at
/// distinct indices, and the caller reads it only after every helper's part ended.
final class BatchSpawn: @unchecked Sendable {
    /// One spawn to run: where its result goes, and what it needs.
    struct Item {
        var index: Int
        var command: PreparedCommand
        var fresh: Bool
        var output: ChildOutput
        var cgroup: CgroupTarget?
    }

    private let items: [Item]
    private let watching: Bool
    private let next = Atomic<Int>(0)
    private let storage: UnsafeMutableBufferPointer<(SpawnOutcome, Int32)>

    init(_ items: [Item], watching: Bool) {
        self.items = items
        self.watching = watching
        storage = .allocate(capacity: items.count)
        storage.initialize(repeating: (.started(0), -1))
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    /// Each item's outcome and pidfd (-1: none), in the items' order.
    var outcomes: UnsafeMutableBufferPointer<(SpawnOutcome, Int32)> { storage }

    /// Runs every item, on this thread and on `helpers` (as many as there
    /// are items beside this thread's first, one spawn context each);
    /// returns when all ran.
    func run(helpers: [WorkerThread]) {
        let helpers = helpers.prefix(min(items.count - 1, Int(PPM_SPAWN_CONTEXTS) - 1))
        guard !helpers.isEmpty, !helpers.contains(where: \.isCurrent) else { return work(context: 0) }
        let finished = DispatchSemaphore(value: 0)
        for (n, helper) in helpers.enumerated() {
            helper.perform { [self] in
                work(context: Int32(n + 1))
                finished.signal()
            }
        }
        work(context: 0)
        for _ in helpers { finished.wait() }  // every helper's last spawn has returned
    }

    /// Takes the next item not taken yet until none is left.
    private func work(context: Int32) {
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < items.count else { return }
            let item = items[i]
            var pidfd: Int32 = -1
            let outcome = withUnsafeMutablePointer(to: &pidfd) { fd in
                item.command.run(stdinFD: -1, output: item.output, pidfd: watching ? fd : nil, cgroup: item.cgroup, context: context)
            }
            storage[i] = (outcome, pidfd)
        }
    }

}
