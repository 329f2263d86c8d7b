import Glibc
import PPMMachine
import Testing

@testable import PPMRuntime

@Suite struct JournalTests {
    @Test func persistsAcrossRestartsAndStaysBounded() throws {
        let path = "/tmp/ppm-journal-\(getpid())-\(Int.random(in: 0..<1_000_000)).jsonl"
        defer { unlink(path) }
        do {
            let journal = Journal(path: path, capacity: 10, maxFileBytes: 2000)
            for i in 0..<100 { journal.record(JournalNote("start", name: "s\(i)"), at: Double(i)) }
        }
        let size = try #require(FileContents.read(path)).utf8.count
        #expect(size <= 2000)
        let again = Journal(path: path, capacity: 10, maxFileBytes: 2000)
        #expect(again.last(3).map(\.name) == ["s97", "s98", "s99"])
        #expect(again.record(JournalNote("exit", name: "x"), at: 200).seq == 101)
        #expect(again.last(5, name: "x").count == 1)
    }
}
