import Foundation
import Glibc
import Testing

/// Captured output on a full disk (#29.7): reported once (`disk_full` in the
/// journal, `status` and `show`), the pipe left unread so the service waits
/// instead of its lines being dropped, and every line written, whole, once
/// there is room again.
@Suite struct OutputDiskFullTests {
    func json(_ output: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]) ?? [:]
    }

    @Test(.enabled(if: geteuid() == 0, "mounts a tmpfs: needs root"))
    func outputWaitsInItsPipeWhileTheDiskIsFullAndNoLineIsLostOrCut() throws {
        let box = try Sandbox()
        let home = try #require(box.env["PPM_LUA_HOME"])
        mkdir(home, 0o700)
        guard mount("tmpfs", home, "tmpfs", 0, "size=4m,mode=0700") == 0 else {
            throw SandboxError("mount tmpfs on \(home): \(String(cString: strerror(errno)))")
        }
        defer {
            if box.daemonProcess?.isRunning == true { _ = box.run(["quit"], deadline: 20) }
            _ = box.waitForDaemonExit()
            umount2(home, Int32(MNT_DETACH))
        }
        // 3000 numbered lines (180 KB: more than a pipe holds), then a mark outside the home.
        let lines = 3000
        try box.write(
            """
            ppm.service { name = "talker", autostart = false, cmd = { "/bin/sh", "-c",
              "i=0; while [ $i -lt \(lines) ]; do i=$((i+1)); printf 'line %05d %s\\\\n' $i 0123456789012345678901234567890123456789012345; done; touch \(box.dir)/done; exec /bin/sleep 1000" } }
            """)
        try box.startDaemon()
        let filler = home + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let block = [UInt8](repeating: 0, count: 4096)
        while write(fd, block, block.count) > 0 {}
        close(fd)
        #expect(box.run("start", "talker").status == 0)

        // Reported: status, show, one journal entry.
        #expect(eventually { json(box.run("status", "--json").stdout)["disk_full"] != nil })
        let show = json(box.run("show", "talker", "--json").stdout)
        let disk = show["disk_full"] as? [String: Any]
        #expect((disk?["path"] as? String)?.hasSuffix("/logs/talker.out.log") == true)
        #expect((disk?["error"] as? String)?.hasPrefix("no space left on") == true)
        #expect(box.run("show", "talker").stdout.contains("waiting in its pipe: no space left on"))
        // Back-pressure: the talker waits on its full pipe; nothing is read and dropped.
        let daemon = try #require(box.daemonProcess).processIdentifier
        let ticks = cpuTicks(daemon)
        #expect(!eventually(2) { FileManager.default.fileExists(atPath: box.dir + "/done") }, "the talker finished: its lines were read and dropped")
        #expect(cpuTicks(daemon) - ticks < 50, "the daemon stays idle while the disk is full")
        #expect(box.events().filter { $0["type"] as? String == "disk_full" }.count == 1)

        // Room again: the stream reads on, every line arrives once and whole.
        unlink(filler)
        #expect(eventually { FileManager.default.fileExists(atPath: box.dir + "/done") })
        let logged = { (try? String(contentsOfFile: home + "/logs/talker.out.log", encoding: .utf8)) ?? "" }
        #expect(eventually { logged().split(separator: "\n").count >= lines })
        let written = logged().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(written.count == lines)
        #expect(
            written.enumerated().allSatisfy { i, line in
                line == "line \(String(format: "%05d", i + 1)) 0123456789012345678901234567890123456789012345"
            },
            "lines lost, repeated or cut")
        #expect(json(box.run("show", "talker", "--json").stdout)["disk_full"] == nil)
        // The state log heard of the full disk too (the start's record); its next write clears the episode.
        #expect(box.run("restart", "talker").status == 0)
        #expect(eventually { box.events().contains { $0["type"] as? String == "disk_ok" } })
        #expect(json(box.run("status", "--json").stdout)["disk_full"] == nil)
    }
}
