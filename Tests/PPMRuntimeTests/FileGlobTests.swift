import Foundation
import PPMRuntime
import Testing

@Suite struct FileGlobTests {
    @Test func doubleStarMatchesAnyDepthAndWildcardsOneSegment() throws {
        let root = NSTemporaryDirectory() + "glob-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["a/b/c", "a/.hidden"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        for file in ["x.py", "a/y.py", "a/b/c/z.py", "a/b/c/z.txt", "a/.hidden/h.py", "a/.dot.py"] {
            try "print()".write(toFile: root + "/" + file, atomically: false, encoding: .utf8)
        }
        let all = FileGlob(root + "/**/*.py")
        #expect(all.base == root)
        #expect(all.recursive)
        #expect(all.matches() == ["x.py", "a/.hidden/h.py", "a/b/c/z.py", "a/y.py"].map { root + "/" + $0 }.sorted())
        #expect(FileGlob(root + "/a/*.py").matches() == [root + "/a/y.py"])  // `*` skips dot files
        #expect(FileGlob(root + "/a/y.py").matches() == [root + "/a/y.py"])
        #expect(FileGlob(root + "/a/y.py").base == root + "/a")
        #expect(FileGlob(root + "/none/*.py").matches().isEmpty)
        #expect(Set(all.folders()) == Set(["", "/a", "/a/b", "/a/b/c", "/a/.hidden"].map { root + $0 }))
        #expect(FileGlob.digest(root + "/x.py") == FileGlob.digest(root + "/a/y.py"))
        #expect(FileGlob.digest(root + "/missing") == nil)
        // A final `**` is every file below (pm2's `watch: true` becomes `DIR/**`).
        #expect(FileGlob(root + "/a/**").matches() == ["a/.hidden/h.py", "a/b/c/z.py", "a/b/c/z.txt", "a/y.py"].map { root + "/" + $0 })
    }

    /// `ln -s . x; ln -s . y` under `**`: each folder is walked once (a
    /// (device, inode) visited set), so the walk ends at once with each file once.
    @Test func doubleStarWalksEachFolderOnceThroughSymlinkLoops() throws {
        let root = NSTemporaryDirectory() + "glob-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/src/sub", withIntermediateDirectories: true)
        try "a".write(toFile: root + "/src/a.py", atomically: false, encoding: .utf8)
        try "b".write(toFile: root + "/src/sub/b.py", atomically: false, encoding: .utf8)
        for (link, target) in [("src/x", "."), ("src/y", "."), ("src/sub/up", ".."), ("src/sub/z", "../sub")] {
            #expect(symlink(target, root + "/" + link) == 0)
        }
        let started = Date()
        let glob = FileGlob(root + "/src/**/*.py")
        let found = glob.matches()
        #expect(found.count == 2)
        #expect(Set(found.map { ($0 as NSString).lastPathComponent }) == ["a.py", "b.py"])
        #expect(glob.folders().count == 2)  // src and src/sub, whichever path reached them
        // Two `**` may both pass a folder: the second still sees what is below it.
        // (src/sub/up leads back to src: a.py is found that way, once.)
        #expect(FileGlob(root + "/**/sub/**/*.py").matches().map { ($0 as NSString).lastPathComponent }.sorted() == ["a.py", "b.py"])
        #expect(Date().timeIntervalSince(started) < 1)
    }

    /// A digest reads at most `cap` bytes (past it: size and mtime count),
    /// and never opens a FIFO or a device, even through a symlink.
    @Test func theDigestIsCappedAndReadsOnlyRegularFiles() throws {
        let root = NSTemporaryDirectory() + "digest-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let head = String(repeating: "h", count: 1024)
        try (head + "one").write(toFile: root + "/a", atomically: false, encoding: .utf8)
        try (head + "two").write(toFile: root + "/b", atomically: false, encoding: .utf8)
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, root + "/a", &times, 0) == 0 && utimensat(AT_FDCWD, root + "/b", &times, 0) == 0)
        // Same first 1 KiB, size and mtime: equal under a 1 KiB cap, different in full.
        #expect(FileGlob.digest(root + "/a", cap: 1024) == FileGlob.digest(root + "/b", cap: 1024))
        #expect(FileGlob.digest(root + "/a") != FileGlob.digest(root + "/b"))
        // Past the cap, a new mtime counts (within it only the content does).
        let capped = FileGlob.digest(root + "/a", cap: 1024)
        times[1].tv_sec += 1
        #expect(utimensat(AT_FDCWD, root + "/a", &times, 0) == 0)
        #expect(FileGlob.digest(root + "/a", cap: 1024) != capped)
        #expect(FileGlob.digest(root + "/a") == FileGlob.digest(root + "/a", cap: 4096))

        #expect(mkfifo(root + "/fifo", 0o600) == 0)
        #expect(symlink("/dev/zero", root + "/zero") == 0)
        #expect(symlink("fifo", root + "/to-fifo") == 0)
        let started = Date()
        #expect(FileGlob.digest(root + "/fifo") == nil)
        #expect(FileGlob.digest(root + "/to-fifo") == nil)
        #expect(FileGlob.digest(root + "/zero") == nil)
        #expect(FileGlob.digest("/dev/zero") == nil)
        #expect(Date().timeIntervalSince(started) < 1)
    }
}
