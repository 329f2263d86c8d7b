import Foundation
import PPMMachine
import Testing

@testable import PPMRuntime

@Suite struct LineSplitterTests {
    /// Feeds the chunks and returns what came out, one string per emitted run.
    func split(_ chunks: [String], flush: Bool = false) -> [String] {
        var splitter = LineSplitter()
        var out: [String] = []
        for chunk in chunks {
            Array(chunk.utf8).withUnsafeBytes { splitter.feed($0) { out.append(String(decoding: $0, as: UTF8.self)) } }
        }
        if flush { splitter.flush { out.append(String(decoding: $0, as: UTF8.self)) } }
        return out
    }

    @Test func aLineSplitAcrossChunksComesOutWhole() {
        #expect(split(["a\nb", "c\nd"]) == ["a\n", "bc\n"])
        #expect(split(["a\nb", "c\nd"], flush: true) == ["a\n", "bc\n", "d\n"])
        #expect(split(["x", "y", "z\n"]) == ["xyz\n"])
        #expect(split(["one\ntwo\n"]) == ["one\ntwo\n"])
    }

    @Test func aLongLineIsCutIntoPiecesAndNothingIsHeldBeyondTheLimit() {
        let limit = LineSplitter.limit
        let long = String(repeating: "x", count: limit + 10)
        let out = split([long, "\nnext\n"]).joined()
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.map(\.count) == [limit, 10, 4])
        // A line of exactly the limit gains no empty line after it.
        let exact = split([String(repeating: "y", count: limit), "\n", "z\n"]).joined()
        #expect(exact.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(\.count) == [limit, 1])
    }
}

@Suite struct LogFileTests {
    let dir = NSTemporaryDirectory() + "ppm-logs-\(getpid())-\(Int.random(in: 0..<1_000_000))"

    func write(_ file: LogFile, _ text: String) { Array(text.utf8).withUnsafeBytes { file.write($0) } }
    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func rotationKeepsWholeLinesAndTheNumberOfFilesAsked() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s.out.log"
        let file = LogFile(path: path, policy: LogPolicy(maxSize: 20, keep: 2, timestamps: false))
        for i in 1...10 { write(file, "line \(i)\n") }  // 7-8 bytes each: two lines per file
        #expect(read(path) == "line 9\nline 10\n")
        #expect(read(path + ".1") == "line 7\nline 8\n")
        #expect(read(path + ".2") == "line 5\nline 6\n")
        #expect(!FileManager.default.fileExists(atPath: path + ".3"))
        #expect(LogText.lastLines(of: path, count: 3) == ["line 8", "line 9", "line 10"])
        #expect(LogText.lastLines(of: path, count: 1) == ["line 10"])
    }

    /// 300 lines of 45 bytes read in one batch with `log_max_size = 1k`:
    /// split between lines, each file within the limit, the newest kept.
    @Test func aBatchLargerThanTheLimitIsSplitBetweenLines() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/batch.out.log"
        let file = LogFile(path: path, policy: LogPolicy(maxSize: 1024, keep: 2, timestamps: false))
        let lines = (1...300).map { String(format: "line %03d ", $0) + String(repeating: "x", count: 35) }  // 44 + "\n"
        write(file, lines.joined(separator: "\n") + "\n")
        let files = [path + ".2", path + ".1", path].map(read)
        for text in files {
            #expect(!text.isEmpty && text.utf8.count <= 1024 && text.hasSuffix("\n"), "\(text.utf8.count) bytes")
            #expect(text.split(separator: "\n").allSatisfy { $0.count == 44 })
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".3"))
        let kept = files.joined().split(separator: "\n").map(String.init)
        #expect(kept == Array(lines.suffix(kept.count)))
        #expect(kept.last == lines.last)
        // A line longer than the limit stays whole, in a file of its own.
        let long = String(repeating: "L", count: 1500)
        write(file, "short\n" + long + "\nafter\n")
        #expect(read(path) == "after\n")
        #expect(read(path + ".1") == long + "\n")
        #expect(read(path + ".2").hasSuffix(lines.last! + "\nshort\n"))
    }

    @Test func theTailHoldsOnlyWhatTheCurrentProcessWrote() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = LogFile(path: dir + "/s.err.log", policy: .standard)
        write(file, "old run\n")
        file.mark()
        #expect(file.tail(10) == [])
        for i in 1...12 { write(file, "e\(i)\n") }
        #expect(file.tail(10) == (3...12).map { "e\($0)" })
    }

    /// The last lines of a file several blocks long, asked across block edges.
    @Test func lastLinesReadBackAcrossBlocks() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/big.out.log"
        let all = (1...50_000).map { "line number \($0)" }
        try (all.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        for count in [1, 7, 5_000, 20_000, 50_000, 60_000] {
            #expect(LogText.lastLines(of: path, count: count) == Array(all.suffix(count)), "\(count) lines")
        }
    }

    @Test func sizesTakeBinaryUnits() {
        #expect(ByteSize.bytes("10M") == 10 << 20)
        #expect(ByteSize.bytes("512k") == 512 << 10)
        #expect(ByteSize.bytes("1G") == 1 << 30)
        #expect(ByteSize.bytes("100") == 100)
        #expect(ByteSize.bytes("1.5K") == 1536)
        #expect(ByteSize.bytes("10X") == nil)
        #expect(ByteSize.bytes("M") == nil)
    }
}
