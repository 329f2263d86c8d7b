import Foundation
import Testing

@testable import PPMRuntime

/// The reused-buffer reader `stats` reads /proc and cgroupfs with: whole
/// files, also those longer than its buffer, and `PID/stat` by pid.
@Suite struct KernelFileReaderTests {
    @Test func aFileLongerThanTheBufferIsReadWhole() throws {
        // A cgroup-like directory whose `cgroup.procs` spans several pages.
        let parent = FileManager.default.temporaryDirectory.path
        let leaf = "kernelfilereader-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: parent + "/" + leaf, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: parent + "/" + leaf) }
        let pids = Array(Int32(1)...4000)
        try pids.map { "\($0)\n" }.joined().write(toFile: parent + "/" + leaf + "/cgroup.procs", atomically: false, encoding: .utf8)
        let base = open(parent, O_RDONLY | O_DIRECTORY)
        defer { close(base) }
        let reader = KernelFileReader()
        let bytes = try #require(reader.file(leaf, "cgroup.procs", under: base))
        #expect(KernelFile.numbers(in: bytes) == pids)
        // The buffer is reused: a short file after a long one is read alone.
        try "usage_usec 42\n".write(toFile: parent + "/" + leaf + "/cpu.stat", atomically: false, encoding: .utf8)
        let short = try #require(reader.file(leaf, "cpu.stat", under: base))
        #expect(KernelFile.value(of: "usage_usec", in: short) == 42)
        #expect(reader.file(leaf, "memory.current", under: base) == nil)
    }

    @Test func aProcessStatIsReadByPid() throws {
        let proc = open("/proc", O_RDONLY | O_DIRECTORY)
        defer { close(proc) }
        let reader = KernelFileReader()
        let line = try #require(reader.stat(of: getpid(), under: proc))
        let entry = try #require(ProcessTable.parseStat(line, pid: getpid()))
        #expect(entry.pgrp == getpgrp())
        #expect(entry.rssPages > 0)
        #expect(reader.stat(of: Int32.max, under: proc) == nil)
    }
}
