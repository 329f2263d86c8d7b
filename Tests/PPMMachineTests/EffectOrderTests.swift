import Foundation
import Glibc
import PPMMachineTesting
import PPMRuntime
import TestProcesses
import Testing

@testable import PPMMachine

/// Effects run in the order the transition wrote them; a spawn's pid or a
/// hook's decision is handled after the list. So a restart decided by Lua
/// (or asked for) leaves the new process recorded in the state store, which
/// the next daemon adopts from after a kill.
@Suite(.serialized) struct EffectOrderTests {
    /// A rig whose loop persists to a real state store and whose spawns
    /// hand out the pids of real processes (the store records only live ones).
    private final class Persisting {
        var rig = Rig()
        let store: StateStore
        let path: String
        var processes: [TestProcess] = []

        init() throws {
            path = NSTemporaryDirectory() + "ppm-order-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
            store = StateStore(path: path)
            rig.loop.store = store
            for _ in 0..<3 {
                let p = TestProcess()
                p.executableURL = URL(fileURLWithPath: "/bin/sleep")
                p.arguments = ["30"]
                try p.run()
                processes.append(p)
            }
            rig.spawner.pids = processes.map(\.processIdentifier)
        }

        deinit {
            for p in processes { p.terminate() }
            unlink(path)
        }

        /// The pid the store holds for `name` now, and after a reload from disk.
        func recorded(_ name: String) -> (memory: Int32?, disk: Int32?) {
            store.sync()
            return (store.processes[name]?.pid, StateStore(path: path).processes[name]?.pid)
        }
    }

    @Test func anOnExitAnsweringRestartKeepsTheNewProcessRecorded() throws {
        let p = try Persisting()
        p.rig.hooks.decide = { _ in .restart(after: 0) }
        p.rig.add("web", decides: true)
        p.rig.boot()
        let first = p.rig.pid("web")
        p.rig.exit("web", .exited(1))
        let second = p.rig.pid("web")
        #expect(second != first && p.rig.state("web") == .running)
        let recorded = p.recorded("web")
        #expect(recorded.memory == second && recorded.disk == second)
    }

    @Test func aPolicyFunctionAnsweringRestartKeepsTheNewProcessRecorded() throws {
        let p = try Persisting()
        p.rig.hooks.decide = { _ in .restart(after: 0) }
        p.rig.add("web") { spec in
            spec.restart = .function
            spec.scriptedFields = ["restart"]
        }
        p.rig.boot()
        p.rig.exit("web", .exited(0))
        let second = p.rig.pid("web")
        let recorded = p.recorded("web")
        #expect(recorded.memory == second && recorded.disk == second)
    }

    @Test func aRestartOnRequestKeepsTheNewProcessRecorded() throws {
        let p = try Persisting()
        p.rig.add("web")
        p.rig.boot()
        let first = p.rig.pid("web")
        p.rig.send(.restart("web"))
        p.rig.send(.exited(pid: first, status: .signaled(15)))
        p.rig.send(.groupGone("web"))
        let second = p.rig.pid("web")
        #expect(second != first)
        let recorded = p.recorded("web")
        #expect(recorded.memory == second && recorded.disk == second)
    }
}
