import Foundation
import Glibc
import PPMMachine
import SystemCalls
import Testing

@testable import PPMRuntime

/// A small tmpfs mounted on a temporary folder (root only), and a file that
/// fills it; unmounted at the end.
final class TinyDisk {
    let folder: TempDir
    var path: String { folder.path }
    private var filler: String { path + "/filler" }

    init(size: String) throws {
        folder = try TempDir()
        guard mount("tmpfs", folder.path, "tmpfs", 0, "size=\(size),mode=0700") == 0 else {
            throw POSIXFailure("mount tmpfs: \(String(cString: strerror(errno)))")
        }
    }

    deinit { umount2(folder.path, Int32(MNT_DETACH)) }

    /// Writes the filler until the file system is full.
    func fill() {
        let fd = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let block = String(repeating: "0", count: 4096)
        while (try? writeAll(fd, block)) != nil {}
        close(fd)
    }

    /// Removes the filler.
    func free() { unlink(filler) }
}

/// Nothing lost under a full disk: a failed or short write leaves no torn
/// line and is reported; a torn line left by a crash is cut at start.
@Suite struct DiskFullTests {
    /// Every line of the file, checked to parse as JSON.
    static func parsedLines(_ path: String) -> [JSONValue] {
        let text = FileContents.read(path) ?? ""
        #expect(text.isEmpty || text.hasSuffix("\n"), "a torn last line: \(text.suffix(80))")
        return text.split(separator: "\n").compactMap { line in
            let json = try? JSONValue.parse(String(line))
            #expect(json != nil, "a line that does not parse: \(line)")
            return json
        }
    }

    static func spec(_ name: String, padding: Int = 0) -> ServiceSpec {
        var spec = ServiceSpec(name: name, cmd: ["/bin/sleep", "1"])
        if padding > 0 { spec.env = ["PAD": String(repeating: "x", count: padding)] }
        return spec
    }

    /// Commits and waits for the answer.
    static func commit(_ store: StateStore, _ changes: [StateChange]) -> WriteFailure?? {
        nonisolated(unsafe) var answer: WriteFailure?? = .none
        store.commit(changes) { answer = .some($0) }
        store.sync()
        return answer
    }

    @Test(.enabled(if: geteuid() == 0, "mounts a tmpfs: needs root"))
    func aShortWriteOnAFullDiskLeavesNoTornLineAndIsRefusedAndReported() throws {
        let disk = try TinyDisk(size: "64k")
        let path = disk.path + "/state.jsonl"
        let store = StateStore(path: path)
        nonisolated(unsafe) var reports: [WriteFailure?] = []
        store.onProblem = { reports.append($0) }
        let small = Self.spec("small")
        let big = Self.spec("big", padding: 10_000)
        #expect(Self.commit(store, [.saved(small, held: false)]) == .some(nil))
        let before = FileContents.read(path)
        disk.fill()
        // The record is larger than what is left of the file's last page: a short write, then ENOSPC.
        let refused = try #require(Self.commit(store, [.saved(big, held: false)]) ?? nil)
        #expect(refused.code == ENOSPC)
        #expect(refused.description == "no space left on \(disk.path)")
        #expect(FileContents.read(path) == before)
        #expect(store.services.map(\.spec.name) == ["small"], "a refused change is undone")
        // Failing again (a process record, then another commit) reports nothing new.
        store.apply(.running("self", pid: getpid()))
        store.flush()
        #expect(Self.commit(store, [.saved(Self.spec("big2", padding: 10_000), held: false)]) != .some(nil))
        #expect(reports.count == 1 && store.problem?.code == ENOSPC)
        #expect(Self.parsedLines(path).count == 1)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        #expect(StateStore(path: path).services.map(\.spec.name) == ["small"])

        disk.free()
        #expect(Self.commit(store, [.saved(big, held: false)]) == .some(nil))
        #expect(store.problem == nil && reports.count == 2 && reports.last == .some(nil))
        let again = StateStore(path: path)
        #expect(again.services.map(\.spec.name) == ["small", "big"])
        #expect(again.processes["self"]?.pid == getpid(), "what failed meanwhile is written with the next write")
        #expect(Self.parsedLines(path).count == 3)
    }

    @Test func aWriteToAFullDeviceIsReportedOnceAndItsCallerTold() {
        let file = BackgroundFile(path: "/dev/full", label: "test.full")
        nonisolated(unsafe) var failures: [WriteFailure] = []
        nonisolated(unsafe) var answers: [WriteFailure?] = []
        file.onFailure = { failures.append($0) }
        file.append("one\n", sync: true) { answers.append($0) }
        file.append("two\n")
        file.drain()
        #expect(failures.map(\.code) == [ENOSPC, ENOSPC])
        #expect(answers.count == 1 && answers.first??.description == "no space left on /dev")
    }

    @Test func aTornLastLineOfTheStateLogIsCutAtStart() throws {
        let dir = try TempDir()
        let path = dir.path + "/state.jsonl"
        let saved = JSONValue.object(["add": SpecJSON.encode(Self.spec("web")), "held": .bool(false)]).text
        let fragment = #"{"add":{"cmd":["/bin/sleep"],"dir":"/tmp/x","name"#
        try (saved + "\n" + #"{"held":"web","value":true}"# + "\n" + fragment).write(toFile: path, atomically: false, encoding: .utf8)
        let store = StateStore(path: path)
        #expect(store.repaired.tornBytes == fragment.utf8.count)
        #expect(store.services == [StateStore.Entry(spec: Self.spec("web"), held: true)])
        #expect(Self.parsedLines(path).count == 2)
        store.apply(.forgotten("web"))
        store.sync()
        #expect(Self.parsedLines(path).count == 3, "the next record is a line of its own")
        #expect(StateStore(path: path).services.isEmpty)
    }

    @Test func aLineGluedToAFragmentIsDroppedAndTheLogRewritten() throws {
        let dir = try TempDir()
        let path = dir.path + "/state.jsonl"
        let saved = JSONValue.object(["add": SpecJSON.encode(Self.spec("web")), "held": .bool(false)]).text
        // What earlier versions left: a torn line, then the next record glued to it.
        let glued = #"{"add":{"cmd":["/bin/sleep"],"name{"forget":"web"}"#
        try (saved + "\n" + glued + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let store = StateStore(path: path)
        #expect(store.repaired.badLines == 1)
        #expect(store.services.map(\.spec.name) == ["web"])
        #expect(Self.parsedLines(path).count == 1)
    }

    @Test func aTornLastLineOfTheJournalIsCutAtStart() throws {
        let dir = try TempDir()
        let path = dir.path + "/events.jsonl"
        do {
            let journal = Journal(path: path)
            journal.record(JournalNote("start", name: "web"), at: 1)
            journal.record(JournalNote("exit", name: "web"), at: 2)
            journal.sync()
        }
        let fragment = #"{"seq":3,"time":3,"type":"st"#
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(fragment.utf8))
        try handle.close()
        let journal = Journal(path: path)
        #expect(journal.repaired.tornBytes == fragment.utf8.count)
        #expect(journal.last(10).map(\.seq) == [1, 2])
        journal.record(JournalNote("start", name: "web"), at: 4)
        journal.sync()
        let lines = Self.parsedLines(path)
        #expect(lines.compactMap { $0["seq"]?.intValue } == [1, 2, 3])
    }
}
