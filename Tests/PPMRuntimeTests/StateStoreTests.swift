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
}
