import Foundation
import Testing

/// Files a local user controls under a `depends` folder cannot wedge the
/// daemon: the walk and the hashing run off the loop, read only regular
/// files (never a FIFO or a device, even through a symlink), at most 8 MiB
/// of each, and `**` enters each folder once however many symlinks lead there.
@Suite struct DependsWedgeTests {
    @Test func aFIFOUnderDependsDoesNotWedgeTheDaemon() throws {
        try expectNoWedge(pattern: "src/*.py") { src in #expect(mkfifo(src + "/pipe.py", 0o666) == 0) }
    }

    @Test func aSymlinkToDevZeroUnderDependsDoesNotWedgeTheDaemon() throws {
        try expectNoWedge(pattern: "src/*.py") { src in #expect(symlink("/dev/zero", src + "/z.py") == 0) }
    }

    @Test func symlinkLoopsUnderDoubleStarDoNotWedgeTheDaemon() throws {
        try expectNoWedge(pattern: "src/**/*.py") { src in
            try FileManager.default.createDirectory(atPath: src + "/deep", withIntermediateDirectories: true)
            #expect(symlink(".", src + "/x") == 0)
            #expect(symlink(".", src + "/y") == 0)
            #expect(symlink("..", src + "/deep/up") == 0)
        }
    }

    /// Starts a daemon with a service depending on `pattern` (under which
    /// `plant` put its trap in `src`), then: `status` answers within 1 s
    /// again and again, past the debounce and a rescan; the daemon's CPU
    /// stays low; a change to the regular file `src/app.py` still restarts it.
    private func expectNoWedge(pattern: String, plant: (String) throws -> Void) throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(atPath: box.dir + "/src", withIntermediateDirectories: true)
        try box.write("one", to: "src/app.py")
        try plant(box.dir + "/src")
        try box.write(
            """
            ppm.service { name = "app", cmd = "/bin/sleep 1000", depends = { "\(pattern)" } }
            """)
        try box.startDaemon()
        let daemon = try #require(box.daemonProcess).processIdentifier
        let app = try #require(box.pid("app"))
        let ticks = cpuTicks(daemon)
        let started = Date()
        // A rescan as well as the first scan: a touch in the folder (debounced 1 s).
        try box.write("x", to: "src/other.txt")
        var answered = 0
        while Date().timeIntervalSince(started) < 3 {
            if box.run(["status"], deadline: 1)?.status == 0 { answered += 1 } else { break }
            usleep(100_000)
        }
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds >= 3 && answered >= 5, "status stopped answering within 1 s after \(answered) answers")
        // Clock ticks are 1/100 s: under 30 % of one core over the span.
        let used = cpuTicks(daemon) - ticks
        #expect(Double(used) < 30 * seconds, "the daemon used \(used) ticks in \(seconds) s")
        #expect(box.pid("app") == app)

        try box.write("two", to: "src/app.py")
        #expect(eventually(10) { box.pid("app").map { $0 != app } ?? false })
    }
}
