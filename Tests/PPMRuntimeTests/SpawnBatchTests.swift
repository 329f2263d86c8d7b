import CSystem
import Glibc
import PPMMachine
import Testing

@testable import PPMRuntime

/// `LinuxSpawner.spawnAll`: several spawns at once (the caller's thread and
/// three helpers, one spawn context each), with the results in the jobs'
/// order and every child set up as a lone spawn's is.
@Suite(.serialized) struct SpawnBatchTests {
    @Test func eachJobGetsItsOwnResultInOrderAndAFailureStaysItsOwn() {
        let spawner = LinuxSpawner()
        var jobs: [(spec: ServiceSpec, output: ChildOutput)] = (0..<12).map { n in
            (ServiceSpec(name: "job\(n)", cmd: ["/bin/sh", "-c", "exit \(n)"]), ChildOutput())
        }
        jobs[5] = (ServiceSpec(name: "missing", cmd: ["/nonexistent/x"]), ChildOutput())
        let results = spawner.spawnAll(jobs)
        #expect(results.count == jobs.count)
        for (n, result) in results.enumerated() {
            if n == 5 {
                #expect(result == .failure(SpawnFailure("/nonexistent/x: No such file or directory")))
                continue
            }
            guard case .success(let pid) = result else {
                Issue.record("job\(n) did not start: \(result)")
                continue
            }
            #expect(reap(pid) == .exited(Int32(n)), "job\(n)")
        }
        // The commands that ran are kept for the next spawns, as a lone spawn's are.
        #expect(spawner.prepared["job3"] != nil)
    }

    @Test func aBatchWaitsForFourChildrenAtOnce() {
        let spawner = LinuxSpawner()
        let jobs = (0..<8).map { n in (spec: ServiceSpec(name: "quick\(n)", cmd: ["/bin/true"]), output: ChildOutput()) }
        let pids = spawner.spawnAll(jobs).compactMap { try? $0.get() }
        for pid in pids { #expect(reap(pid) == .exited(0)) }
        #expect(pids.count == jobs.count)
        // Three threads beside the caller's, each on a spawn context of its own.
        #expect(spawner.spawnHelpers.count == 3)
        #expect(PPM_SPAWN_CONTEXTS == 4)
    }

    @Test func childrenOfEveryThreadGetAnEmptyMaskNoIgnoredSignalsAndTheirOwnGroup() throws {
        let oldPipe = signal(SIGPIPE, SIG_IGN)
        LinuxSpawner.signalDispositionsChanged()
        defer {
            signal(SIGPIPE, oldPipe)
            LinuxSpawner.signalDispositionsChanged()
        }
        let spawner = LinuxSpawner()
        let jobs = (0..<8).map { n in (spec: ServiceSpec(name: "sleeper\(n)", cmd: ["/bin/sleep", "30"]), output: ChildOutput()) }
        let pids = spawner.spawnAll(jobs).compactMap { try? $0.get() }
        defer {
            for pid in pids {
                kill(pid, SIGKILL)
                _ = reap(pid)
            }
        }
        #expect(pids.count == jobs.count)
        for pid in pids {
            #expect(procStatus(pid, "SigBlk") == "0000000000000000")
            #expect(procStatus(pid, "SigIgn") == "0000000000000000")
            #expect(procStatus(pid, "NSpgid") == "\(pid)")
        }
    }
}
