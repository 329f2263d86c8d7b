import Foundation
import Testing

/// A unix datagram socket standing in for systemd's notify socket. A thread
/// reads it all the time, as systemd does: a socket left unread holds only
/// `net.unix.max_dgram_qlen` (10) datagrams, and the daemon's pings would
/// then crowd out what the test waits for.
final class NotifyListener: @unchecked Sendable {
    /// What the reading thread shares with the test.
    private final class Inbox: @unchecked Sendable {
        let lock = NSLock()
        var all: [String] = []
        var open = true
    }

    let path: String
    private let inbox = Inbox()
    /// How many datagrams the test has gone through with `next`.
    private var cursor = 0

    init(path: String) throws {
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw SandboxError("cannot bind \(path)")
        }
        let inbox = inbox
        Thread {
            var buffer = [UInt8](repeating: 0, count: 8192)
            while inbox.lock.withLock({ inbox.open }) {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) == 1 else { continue }
                let n = recv(fd, &buffer, buffer.count, 0)
                guard n >= 0 else { continue }
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                inbox.lock.withLock { inbox.all.append(text) }
            }
            close(fd)
        }.start()
    }

    deinit { inbox.lock.withLock { inbox.open = false } }

    /// Every datagram received so far, in order.
    var received: [String] { inbox.lock.withLock { inbox.all } }

    /// The first datagram after those already gone through that satisfies
    /// `match` (those before it are gone through too), or nil after `seconds`.
    @discardableResult
    func next(within seconds: Double = 20, where match: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let all = received
            while cursor < all.count {
                let text = all[cursor]
                cursor += 1
                if match(text) { return text }
            }
            if Date() >= deadline { return nil }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}

/// A process's environment variables, from /proc.
func environment(of pid: Int32) -> [String: String] {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
    var env: [String: String] = [:]
    for entry in data.split(separator: 0) {
        let text = String(decoding: entry, as: UTF8.self)
        if let eq = text.firstIndex(of: "=") { env[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
    }
    return env
}

/// Sends one datagram to an abstract unix socket (`@name`).
func sendDatagram(_ bytes: [UInt8], toAbstract name: String) {
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let nameBytes = [0] + Array(name.utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: nameBytes) }
    let length = socklen_t(MemoryLayout<sa_family_t>.size + nameBytes.count)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, length) }
    }
}

@Suite(.serialized) struct SdNotifyTests {
    func showJSON(_ sandbox: Sandbox, _ name: String) -> [String: Any] {
        let out = sandbox.run("show", name, "--json")
        return (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func systemdNotifyFromAServiceShowsItsStatusAndOthersAreIgnored() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.service { name = "n", ready = "notify",
                          cmd = { "/bin/sh", "-c", "systemd-notify --ready --status='up and serving'; echo rc=$?; exec sleep 1000" } }
            ppm.service { name = "later", autostart = false, ready = "notify", ready_timeout = "1h",
                          cmd = { "/bin/sh", "-c", "systemd-notify --status=second; echo rc=$?; exec sleep 1000" } }
            """)
        try s.startDaemon()
        #expect(eventually { showJSON(s, "n")["status_text"] as? String == "up and serving" })
        // systemd-notify (252+) waits for its BARRIER=1 descriptor to be closed: it returned 0.
        let out = s.dir + "/home/logs/n.out.log"
        #expect(eventually { ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("rc=0") })
        #expect(s.run("show", "n").stdout.contains("status     up and serving"))

        // This test process is in no service: what it sends is ignored, oversized and garbage datagrams too.
        let servicePid = try #require(s.pid("n"))
        let socketName = try #require(environment(of: servicePid)["NOTIFY_SOCKET"])
        #expect(socketName.hasPrefix("@"))
        let name = String(socketName.dropFirst())
        sendDatagram(Array("STATUS=intruder\nREADY=1".utf8), toAbstract: name)
        sendDatagram(Array(("STATUS=" + String(repeating: "x", count: 6000)).utf8), toAbstract: name)
        sendDatagram([0xFF, 0, 0x0A, 0x3D, 0xC3, 0x28], toAbstract: name)
        #expect(eventually { ((try? String(contentsOfFile: s.daemonLog, encoding: .utf8)) ?? "").contains("belongs to no service") })
        #expect(showJSON(s, "n")["status_text"] as? String == "up and serving")
        // The socket keeps serving: a service started now is heard.
        #expect(s.run("start", "later").status == 0)
        #expect(eventually { showJSON(s, "later")["status_text"] as? String == "second" })
        #expect(s.run("status").status == 0)
    }

    @Test func theDaemonNotifiesItsOwnSupervisor() throws {
        let s = try Sandbox()
        let listener = try NotifyListener(path: s.dir + "/systemd-notify.sock")
        s.env["NOTIFY_SOCKET"] = listener.path
        s.env["WATCHDOG_USEC"] = "400000"
        s.env["WATCHDOG_PID"] = nil
        try s.write(
            """
            ppm.service { name = "a", cmd = "sleep 1000" }
            ppm.service { name = "b", cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        let ready = listener.next { $0.contains("READY=1") }
        #expect(ready?.contains("STATUS=2 running, 0 waiting, 0 fatal") == true, "got \(listener.received)")
        // Pings every 0.2 s (half of WATCHDOG_USEC): two more arrive.
        #expect(listener.next { $0 == "WATCHDOG=1" } != nil)
        #expect(listener.next { $0 == "WATCHDOG=1" } != nil)
        // Services do not inherit the daemon's supervisor's variables.
        let pidA = try #require(s.pid("a"))
        let env = environment(of: pidA)
        #expect(env["NOTIFY_SOCKET"] == nil && env["WATCHDOG_USEC"] == nil && env["PPM_LUA_HOME"] != nil)

        #expect(s.run("reload").status == 0)
        let reloading = listener.next { $0.contains("RELOADING=1") }
        #expect(reloading?.contains("MONOTONIC_USEC=") == true)
        #expect(listener.next { $0.hasPrefix("READY=1") } != nil)

        // A re-exec keeps the watchdog fed and sends no second READY=1.
        let before = listener.received.count
        #expect(s.run("upgrade").status == 0)
        #expect(eventually { s.run(["status"], deadline: 5)?.status == 0 })
        #expect(listener.next { $0 == "WATCHDOG=1" } != nil)
        #expect(listener.next { $0 == "WATCHDOG=1" } != nil)
        #expect(!listener.received[before...].contains { $0.contains("READY=1") }, "got \(listener.received[before...])")

        #expect(s.run("quit").status == 0)
        #expect(listener.next { $0.hasPrefix("STOPPING=1") } != nil)
    }
}
