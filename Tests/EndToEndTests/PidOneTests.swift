import Foundation
import TestProcesses
import Testing

/// Whether this machine lets the tests make a PID namespace (root, or
/// unprivileged user namespaces).
let canMakePidNamespace: Bool = {
    let p = TestProcess()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    p.arguments = ["--pid", "--fork", "--mount-proc", "/bin/true"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

/// The pids whose parent is `parent`, with their state letter (from /proc).
func childStates(of parent: Int32) -> [(pid: Int32, state: Character)] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> (Int32, Character)? in
        guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, Int32(fields[1]) == parent, let state = fields[0].first else { return nil }
        return (pid, state)
    }
}

/// SPEC 8 and the container use in the README: `ppm-lua daemon` as PID 1
/// of a PID namespace reaps orphans of any depth and shuts down cleanly on
/// SIGTERM and SIGINT.
@Suite(.enabled(if: canMakePidNamespace, "cannot create a PID namespace here (unshare --pid needs root or user namespaces)"))
struct PidOneEndToEndTests {
    private let unshare = ["/usr/bin/unshare", "--pid", "--fork", "--mount-proc"]

    /// The daemon's pid outside the namespace: the child of `unshare`.
    private func daemonPid(_ box: Sandbox) throws -> Int32 {
        let wrapper = try #require(box.daemonProcess?.processIdentifier)
        var found: Int32?
        eventually {
            found = childStates(of: wrapper).first?.pid
            return found != nil
        }
        return try #require(found)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func asPidOneItReapsOrphansOfAnyDepthAndStopsCleanly(signal: Int32) throws {
        let box = try Sandbox()
        // Grandchildren and great-grandchildren that outlive their parents.
        try box.write(
            """
            ppm.service { name = "orphans", cmd = { "/bin/sh", "-c",
              "for i in 1 2 3; do (sh -c '(sleep 0.2; true) & (sh -c \\"sleep 0.3 &\\") & exit 0' &) ; done; exec sleep 1000" } }
            ppm.service { name = "plain", cmd = "/bin/sleep 1000" }
            """)
        try box.startDaemon(wrapper: unshare)
        let status = box.run("status", "--json")
        #expect(status.stdout.contains("\"pid\":1,"), "\(status.stdout)")
        let daemon = try daemonPid(box)
        // Every orphan gets reaped: in the end only the two services (and the
        // fd holder) are its children, and no zombie.
        let services = { childStates(of: daemon).filter { !isFDHolder($0.pid) } }
        #expect(eventually(10) { services().count == 2 && !services().contains { $0.state == "Z" } }, "\(services())")
        let pids = services().map(\.pid)
        kill(daemon, signal)
        #expect(box.waitForDaemonExit() == 0)
        for pid in pids { #expect(!alive(pid)) }
    }

    private func isFDHolder(_ pid: Int32) -> Bool {
        (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.contains("fdholder") ?? false
    }
}
