import Foundation
import PPMMachine
import Testing

@testable import PPMRuntime

/// `ppm-lua scale` choices in the state store: kept across a restart and a
/// compaction, forgotten on request, undone when a commit cannot be written.
@Suite struct StateStoreScaleTests {
    let path = "/tmp/ppm-scale-\(getpid())-\(Int.random(in: 0..<1_000_000)).jsonl"

    @Test func aScaleComesBackAfterARestartAndACompaction() throws {
        defer { unlink(path) }
        do {
            let store = StateStore(path: path)
            store.apply(.scaled("web", count: 5, configured: 3))
            store.apply(.scaled("api", count: 2, configured: 1))
            store.apply(.scaled("api", count: nil, configured: 0))
            store.sync()
        }
        let again = StateStore(path: path)
        #expect(again.scales == ["web": .init(count: 5, configured: 3)])
        // Many process records later the log is rewritten as a snapshot: the choice stays.
        for _ in 0..<300 {
            again.apply(.running("self", pid: getpid()))
            again.apply(.gone("self"))
            again.flush()
        }
        again.sync()
        #expect(StateStore(path: path).scales == ["web": .init(count: 5, configured: 3)])
    }

    @Test func aCommitThatCannotBeWrittenLeavesTheScaleAsItWas() throws {
        let store = StateStore(path: "/proc/ppm-cannot-write-\(getpid())/state.jsonl")
        var failure: WriteFailure?
        var answered = false
        store.commit([.scaled("web", count: 4, configured: 2)]) {
            failure = $0
            answered = true
        }
        store.sync()
        #expect(answered && failure != nil)
        #expect(store.scales.isEmpty)
    }
}
