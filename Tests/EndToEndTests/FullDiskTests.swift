import Foundation
import Testing

/// Nothing lost under any fault: a run-time change is acknowledged only once
/// its record is on disk, or refused with the cause (a full home) and then
/// nothing changed; a daemon killed right after the reply loses nothing.
@Suite struct FullDiskTests {
    /// Fills the file system holding `path` with a file there.
    func fill(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let block = [UInt8](repeating: 0, count: 4096)
        while write(fd, block, block.count) > 0 {}
        close(fd)
    }

    func statusJSON(_ box: Sandbox) -> [String: Any] {
        let out = box.run("status", "--json")
        return (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// Sends one request on the control socket and reads its reply: the
    /// caller acts the moment the reply arrives, before any client exits.
    func request(_ box: Sandbox, _ cmd: String, _ args: [String: Any]) throws -> [String: Any] {
        let home = try #require(box.env["PPM_LUA_HOME"])
        let socket = try #require(RawSocket(path: home + "/ppm.sock"))
        let body = try JSONSerialization.data(withJSONObject: ["id": 1, "cmd": cmd, "args": args])
        socket.send(Array(body) + [UInt8(ascii: "\n")])
        return try #require(socket.readLine(20).flatMap(replyObject))
    }

    func killDaemon(_ box: Sandbox) throws {
        kill(try #require(box.daemonProcess).processIdentifier, SIGKILL)
        #expect(box.waitForDaemonExit() != nil)
    }

    /// A home on a full tmpfs: `add` is refused (and said so by `status`
    /// and the journal); once there is room, an `add` survives `kill -9`.
    @Test(.enabled(if: geteuid() == 0, "mounts a tmpfs: needs root"))
    func aFullHomeRefusesAddAndAnAcknowledgedAddSurvivesAKilledDaemon() throws {
        let box = try Sandbox()
        let home = try #require(box.env["PPM_LUA_HOME"])
        mkdir(home, 0o700)
        guard mount("tmpfs", home, "tmpfs", 0, "size=2m,mode=0700") == 0 else {
            throw SandboxError("mount tmpfs on \(home): \(String(cString: strerror(errno)))")
        }
        defer {
            // Stop the daemon while its socket is reachable, then unmount.
            if box.daemonProcess?.isRunning == true { _ = box.run(["quit"], deadline: 20) }
            _ = box.waitForDaemonExit()
            umount2(home, Int32(MNT_DETACH))
        }
        try box.write("")
        try box.startDaemon()
        let sleep = "6\(getpid() % 1000)7"
        defer { processes("/bin/sleep \(sleep)").forEach { kill($0, SIGKILL) } }
        fill(home + "/filler")

        for _ in 0..<2 {
            let refused = box.run("add", "--name", "full", "--", "/bin/sleep", sleep)
            #expect(refused.status == 1)
            #expect(refused.stderr == "ppm-lua: no space left on \(home); 'full' not added\n")
        }
        #expect(box.services()["full"] == nil)
        #expect(processes("/bin/sleep \(sleep)").isEmpty)
        let warning = statusJSON(box)["disk_full"] as? [String: Any]
        #expect(warning?["path"] as? String == home + "/state.jsonl")
        #expect(warning?["error"] as? String == "no space left on \(home)")
        #expect(box.run("status").stdout.contains("warning   no space left on \(home)"))
        #expect(box.events().filter { $0["type"] as? String == "disk_full" }.count == 1, "one entry when writing starts failing")

        unlink(home + "/filler")
        let added = box.run("add", "--name", "full", "--", "/bin/sleep", sleep)
        #expect(added.status == 0, "\(added.stderr)")
        let pid = try #require(box.pid("full"))
        #expect(statusJSON(box)["disk_full"] == nil)
        #expect(box.events().contains { $0["type"] as? String == "disk_ok" })

        try killDaemon(box)
        try box.startDaemon()
        #expect(box.pid("full") == pid, "adopted, not ended")
        #expect(processes("/bin/sleep \(sleep)") == [pid])
        let log = (try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? ""
        #expect(!log.contains("ending 'full'"), "\(log)")
    }

    /// 15 rounds of `add` then `kill -9` of the daemon at once, then an `rm`.
    @Test func everyAcknowledgedAddSurvivesAKillRightAfterTheReply() throws {
        let box = try Sandbox()
        try box.write("")
        try box.startDaemon()
        let prefix = "5\(getpid() % 1000)"
        let argument = { (round: Int) in prefix + (round < 10 ? "0" : "") + String(round) }
        let command = { (round: Int) in "/bin/sleep " + argument(round) }
        defer { (0..<15).flatMap { processes(command($0)) }.forEach { kill($0, SIGKILL) } }
        for round in 0..<15 {
            let added = try request(box, "add", ["name": "rt\(round)", "cmd": ["/bin/sleep", argument(round)], "dir": box.dir])
            try killDaemon(box)  // at once: no delay after the reply
            #expect(added["ok"] as? Bool == true, "\(added)")
            try box.startDaemon()
            let services = box.services()
            for r in 0...round {
                #expect(services["rt\(r)"] != nil, "round \(round): rt\(r) lost")
            }
        }
        for round in 0..<15 {
            #expect(eventually(10) { processes(command(round)).count == 1 }, "rt\(round): one copy")
            #expect(box.state("rt\(round)") == "running")
        }
        // An acknowledged `rm` is not undone by a kill right after it either.
        let removed = try request(box, "rm", ["names": ["rt0"]])
        try killDaemon(box)
        #expect(removed["ok"] as? Bool == true, "\(removed)")
        try box.startDaemon()
        #expect(box.services()["rt0"] == nil && box.services().count == 14)
        #expect(processes(command(0)).isEmpty)
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit() == 0)
    }
}
