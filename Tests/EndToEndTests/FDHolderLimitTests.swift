import Foundation
import Glibc
import TestProcesses
import Testing

/// The fd holder's descriptors (#29.5): it raises its open-files limit like
/// the daemon, and a pipe it cannot keep is reported, naming the service.
struct FDHolderLimitTests {
    /// The pid of the fd holder serving `box`'s home.
    func holderPid(_ box: Sandbox) -> Int32? {
        let socket = box.dir + "/home/fdholder.sock"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")) else { continue }
            let args = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if args.contains(socket) && args.contains(where: { $0.hasSuffix("fdholder") }) { return pid }
        }
        return nil
    }

    /// The soft "Max open files" of `pid`.
    func openFilesLimit(_ pid: Int32) -> UInt64? {
        let limits = (try? String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)) ?? ""
        guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        return line.split(separator: " ").dropFirst(3).first.flatMap { UInt64($0) }
    }

    func nrOpen() -> UInt64 {
        UInt64(((try? String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Whether this process may raise hard limits (CAP_SYS_RESOURCE, bit 24).
    static let maySetHardLimits: Bool = {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
            let caps = UInt64(line.split(separator: "\t").last ?? "", radix: 16)
        else { return false }
        return caps & (1 << 24) != 0
    }()

    @Test(.enabled(if: maySetHardLimits, "needs CAP_SYS_RESOURCE to raise a hard limit"))
    func theHolderRaisesItsOpenFilesLimitToNrOpen() throws {
        let box = try Sandbox()
        try box.write("ppm.service { name = \"s\", cmd = { \"/bin/sleep\", \"1000\" } }")
        try box.startDaemon(wrapper: ["/usr/bin/prlimit", "--nofile=1024:4096", "--"])
        let holder = try #require(holderPid(box))
        let limit = try #require(openFilesLimit(holder))
        // It keeps twice the daemon's descriptors (both ends of each pipe).
        #expect(limit == nrOpen(), "as root: up to fs.nr_open")
    }

    @Test func aPipeTheHolderCannotKeepIsReportedWithItsService() throws {
        let box = try Sandbox()
        try box.write("ppm.service { name = \"first\", cmd = { \"/bin/sleep\", \"1000\" } }")
        try box.startDaemon()
        let holder = try #require(holderPid(box))
        // Leave the holder no room for one more descriptor.
        #expect(eventually { box.state("first") == "running" })
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(holder)/fd").count
        let prlimit = try TestProcess.run(URL(fileURLWithPath: "/usr/bin/prlimit"), arguments: ["--pid", String(holder), "--nofile=\(open):\(open)"])
        prlimit.waitUntilExit()
        try #require(prlimit.terminationStatus == 0, "prlimit failed")
        let added = box.run("add", "--name", "talker", "--", "/bin/sh", "-c", "while :; do echo hi; sleep 1; done")
        #expect(added.status == 0, "\(added.stderr)")
        let report = box.events("talker").first { $0["type"] as? String == "output_not_kept" }
        #expect(report?["stream"] as? String == "out")
        #expect((report?["error"] as? String)?.contains("no descriptors left") == true)
        let log = try String(contentsOfFile: box.daemonLog, encoding: .utf8)
        #expect(log.contains("talker: its out pipe is not kept by the fd holder"))
    }
}
