import Foundation
import Testing

/// Thousands of services on one daemon (#23, SPEC 13): every one runs, once,
/// and the daemon answers while they start (the boot is taken in batches).
/// Needs room for them: about five descriptors each under the daemon's hard limit.
@Suite(.enabled(if: hardFileLimit() >= 2000 * 5 + 512, "the open-files hard limit is too low for 2000 services"))
struct ScaleTests {
    @Test func twoThousandServicesEachRunOnce() throws {
        let count = 2000
        let box = try Sandbox()
        // `exec`: one process per service; it outlives a failed test by 5 minutes at most.
        try box.write((0..<count).map { #"ppm.service { name = "s\#($0)", cmd = "sleep 300" }"# }.joined(separator: "\n") + "\n")
        let began = Date()
        try box.startDaemon()
        let socket = box.dir + "/home/ppm.sock"
        var services: [String: [String: Any]] = [:]
        let up = eventually(120) {
            // Answered while they start, not only once the boot is over.
            #expect(DescriptorBudgetTests.status(socket, within: 5) != nil, "status not answered during the boot")
            services = box.services()
            return services.count == count && services.values.allSatisfy { $0["state"] as? String == "running" }
        }
        let seconds = Date().timeIntervalSince(began)
        #expect(up, "\(services.values.filter { $0["state"] as? String != "running" }.count) of \(count) not running")
        // Once each: one start, no restart, a process of its own.
        let starts = services.values.compactMap { ($0["starts"] as? NSNumber)?.intValue }
        #expect(starts.count == count && starts.allSatisfy { $0 == 1 }, "starts other than 1: \(starts.filter { $0 != 1 }.count)")
        let pids = Set(services.values.compactMap { ($0["pid"] as? NSNumber)?.int32Value })
        #expect(pids.count == count)
        #expect(pids.allSatisfy(alive))
        let log = try String(contentsOfFile: box.daemonLog, encoding: .utf8)
        #expect(!log.contains("watchdog"), "\(log)")
        #expect(box.run("quit").status == 0)
        #expect(box.waitForDaemonExit(60) == 0)
        #expect(!pids.contains(where: alive))
        print("ScaleTests: \(count) services running \(String(format: "%.1f", seconds)) s after the daemon was started")
    }
}

/// This process's hard open-files limit (the daemon raises its soft one to it).
private func hardFileLimit() -> Int {
    var l = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &l) == 0 else { return 0 }
    return Int(min(UInt64(l.rlim_max), UInt64(Int32.max)))
}
