import Foundation
import Testing

/// A reload lets go of what the replaced config held (issue #22): its
/// `ppm.udp.listen` sockets, its sending sockets, its timers.
@Suite struct ReloadUDPTests {
    /// Config `version`: listens on `port` (logging what arrives), and
    /// sends `vN` once to `probe` from a timer (so it holds a sending socket).
    static func config(_ version: Int, port: UInt16, probe: UInt16) -> String {
        """
        -- version \(version)
        ppm.service { name = "web", cmd = "/bin/sleep 1000" }
        ppm.udp.listen("udp://127.0.0.1:\(port)", function(text) ppm.log("info", "v\(version) got " .. text) end)
        ppm.after(0, function() ppm.udp.send("udp://127.0.0.1:\(probe)", "v\(version)") end)
        ppm.every(3600, function() end)
        """
    }

    /// The daemon's open descriptors.
    static func descriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @Test func fiveReloadsLeaveTheDescriptorCountOfOneAndTheNewListenerHears() throws {
        let port = try UDPProbe.freePort()
        let probe = try UDPProbe()
        let box = try Sandbox()
        try box.write(Self.config(0, port: port, probe: probe.port))
        try box.startDaemon()
        let pid = try #require(box.daemonProcess?.processIdentifier)
        #expect(Self.heard("v0", on: probe))
        let log = { (try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? "" }

        var afterFirst = 0
        for version in 1...6 {
            try box.write(Self.config(version, port: port, probe: probe.port))
            #expect(box.run("reload").status == 0)
            #expect(Self.heard("v\(version)", on: probe), "config \(version) did not run")
            // The new listener is bound once its state is attached: send until it answers.
            let ping = "ping \(version)"
            #expect(
                eventually(10) {
                    UDPProbe.send(ping, to: port)
                    return log().contains("v\(version) got \(ping)")
                }, "the listener of config \(version) did not receive")
            if version == 1 {
                afterFirst = Self.descriptors(pid)
            } else {
                // The file watcher may reload once more after the save: wait for it to settle.
                #expect(
                    eventually(10) { Self.descriptors(pid) == afterFirst },
                    "after reload \(version): \(Self.descriptors(pid)) descriptors, \(afterFirst) after the first")
            }
        }
        #expect(!log().contains("v0 got"), "the first config's listener never gets a datagram after it was replaced")
        #expect(box.run("status").status == 0)
    }

    @Test func aFailedReloadKeepsTheListenerOfTheRunningConfig() throws {
        let port = try UDPProbe.freePort()
        let probe = try UDPProbe()
        let box = try Sandbox()
        try box.write(Self.config(0, port: port, probe: probe.port))
        try box.startDaemon()
        #expect(Self.heard("v0", on: probe))
        try box.write(Self.config(1, port: port, probe: probe.port) + "\nppm.service { name = }\n")
        #expect(box.run("reload").status == 1)
        let log = { (try? String(contentsOfFile: box.daemonLog, encoding: .utf8)) ?? "" }
        #expect(
            eventually(10) {
                UDPProbe.send("still there", to: port)
                return log().contains("v0 got still there")
            })
    }

    /// Whether `text` arrives on the probe (earlier datagrams skipped).
    static func heard(_ text: String, on probe: UDPProbe) -> Bool {
        while let got = probe.receive(within: 10) {
            if got == text { return true }
        }
        return false
    }
}
