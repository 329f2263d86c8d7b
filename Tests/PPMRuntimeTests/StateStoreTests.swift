import Foundation
import PPMMachine
import Testing

@testable import PPMRuntime

@Suite struct StateStoreTests {
    let path = "/tmp/ppm-state-\(getpid())-\(Int.random(in: 0..<1_000_000)).jsonl"

    func lines() -> Int { (FileContents.read(path) ?? "").split(separator: "\n").count }

    @Test func whatIsAppliedComesBackAfterARestart() throws {
        defer { unlink(path) }
        var web = ServiceSpec(name: "web", cmd: ["/bin/sleep", "1"])
        web.env = ["K": "V"]
        do {
            let store = StateStore(path: path)
            store.apply(.saved(web, held: false))
            store.apply(.saved(ServiceSpec(name: "gone", cmd: ["/bin/true"]), held: false))
            store.apply(.held("web", true))
            store.apply(.forgotten("gone"))
            store.apply(.running("self", pid: getpid()))
            store.sync()
            #expect(store.writes == 1)
        }
        let again = StateStore(path: path)
        #expect(again.services == [StateStore.Entry(spec: web, held: true)])
        #expect(again.leftovers().map(\.name) == ["self"])
        #expect(again.processes["self"]?.start == StateStore.startTime(getpid()))
    }

    @Test func theLogIsCompactedOnceItOutgrowsTheLiveRecords() throws {
        defer { unlink(path) }
        let store = StateStore(path: path)
        for round in 0..<200 {
            store.apply(.running("self", pid: getpid()))
            store.apply(.gone("self"))
            if round % 10 == 0 { store.apply(.running("self", pid: getpid())) }
            store.flush()
        }
        store.sync()
        #expect(lines() < 300)
        #expect(StateStore(path: path).processes.isEmpty == store.processes.isEmpty)
    }

    @Test func aNothingFlushWritesNothing() {
        defer { unlink(path) }
        let store = StateStore(path: path)
        store.apply(.gone("never-ran"))
        store.apply(.held("unknown", true))
        store.flush()
        #expect(store.writes == 0)
        #expect(FileContents.read(path) == nil)
    }

    /// What is kept of a run (readiness, health, sd_notify notes) rides with
    /// its process record: read back after a restart and after a snapshot,
    /// written only when it changed, and gone with the process.
    @Test func whatIsKeptOfARunComesBackWithItsProcess() throws {
        defer { unlink(path) }
        var kept = KeptRun(ready: true)
        kept.statusText = "serving"
        kept.health = .healthy
        do {
            let store = StateStore(path: path)
            store.apply(.kept("self", kept))  // no process recorded yet: nothing to keep it with
            store.apply(.running("self", pid: getpid()))
            store.apply(.kept("self", kept))
            store.apply(.kept("self", kept))
            store.sync()
            #expect(lines() == 2)
            #expect(store.processes["self"]?.pgid == getpgid(getpid()))
        }
        let again = StateStore(path: path)
        #expect(again.keptRuns() == ["self": kept])
        // A main process moved by MAINPID= keeps what was noted of its run.
        again.apply(.running("self", pid: getpid()))
        #expect(again.keptRuns() == ["self": kept])
        again.apply(.gone("self"))
        again.apply(.running("self", pid: getpid()))
        #expect(again.keptRuns().isEmpty)
        // Enough changes to compact the log: the snapshot keeps it too.
        for n in 0..<300 {
            var changed = kept
            changed.errno = Int32(n)
            again.apply(.kept("self", changed))
            again.flush()
        }
        again.apply(.kept("self", kept))
        again.sync()
        #expect(lines() < 300)
        #expect(StateStore(path: path).keptRuns() == ["self": kept])
    }
}
