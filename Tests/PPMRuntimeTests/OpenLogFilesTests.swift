import Foundation
import PPMMachine
import Testing

@testable import PPMRuntime

/// A bounded set of open log files (#23): a service's log files take no
/// descriptor between writes, and a file closed to make room loses and
/// reorders nothing when it is written again.
@Suite struct OpenLogFilesTests {
    let dir = NSTemporaryDirectory() + "ppm-openlogs-\(getpid())-\(Int.random(in: 0..<1_000_000))"

    func write(_ file: LogFile, _ text: String) { Array(text.utf8).withUnsafeBytes { file.write($0) } }
    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func theLeastRecentlyWrittenFileIsClosedToMakeRoom() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let open = OpenLogFiles(capacity: 2)
        let files = ["a", "b", "c"].map { LogFile(path: "\(dir)/\($0).out.log", policy: .standard, openFiles: open) }
        write(files[0], "a1\n")
        write(files[1], "b1\n")
        write(files[0], "a2\n")  // a is now the most recently written
        write(files[2], "c1\n")  // b makes room
        #expect(files.map(\.isOpen) == [true, false, true])
        #expect(open.count == 2 && open.unopened == 0)
        write(files[1], "b2\n")  // a makes room
        #expect(files.map(\.isOpen) == [false, true, true])
        files[2].close()
        #expect(open.count == 1 && open.unopened == 1)
        #expect(read(files[0].path) == "a1\na2\n" && read(files[1].path) == "b1\nb2\n" && read(files[2].path) == "c1\n")
    }

    /// Ten files written in turns, two open at once: every file holds every
    /// one of its lines, in order, and never more than two are open.
    @Test func filesClosedAndOpenedAgainLoseAndReorderNoLine() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let open = OpenLogFiles(capacity: 2)
        let files = (0..<10).map { LogFile(path: "\(dir)/s\($0).out.log", policy: .standard, openFiles: open) }
        var rng = SystemRandomNumberGenerator()
        var next = [Int](repeating: 1, count: files.count)
        for _ in 0..<2000 {
            let i = Int.random(in: 0..<files.count, using: &rng)
            let batch = Int.random(in: 1...3, using: &rng)
            write(files[i], (0..<batch).map { "s\(i) line \(next[i] + $0)\n" }.joined())
            next[i] += batch
            #expect(open.count <= 2)
            #expect(files.filter(\.isOpen).count == open.count)
        }
        for (i, file) in files.enumerated() {
            let expected = (1..<next[i]).map { "s\(i) line \($0)\n" }.joined()
            #expect(read(file.path) == expected, "s\(i)")
        }
    }

    /// Rotation by size with files evicted between writes: the sizes are
    /// read again at each open, so each file keeps its limit and its lines.
    @Test func rotationStillKeepsWholeLinesWhenFilesAreEvictedBetweenWrites() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let open = OpenLogFiles(capacity: 1)
        let policy = LogPolicy(maxSize: 20, keep: 2, timestamps: false)
        let a = LogFile(path: dir + "/a.out.log", policy: policy, openFiles: open)
        let b = LogFile(path: dir + "/b.out.log", policy: policy, openFiles: open)
        for i in 1...10 {
            write(a, "line \(i)\n")
            write(b, "line \(i)\n")
        }
        for path in [a.path, b.path] {
            #expect(read(path) == "line 9\nline 10\n")
            #expect(read(path + ".1") == "line 7\nline 8\n")
            #expect(read(path + ".2") == "line 5\nline 6\n")
        }
        #expect(open.count == 1)
        b.mark()
        write(b, "tail 1\n")
        write(a, "other\n")  // b is closed: its tail is read from the path
        #expect(!b.isOpen && b.tail(5) == ["tail 1"])
    }
}
