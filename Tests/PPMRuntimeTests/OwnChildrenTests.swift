import Foundation
import Testing

@testable import PPMRuntime

/// `ProcessTable.ownChildren`: what the daemon ends at exit, without reading
/// every process of the machine.
struct OwnChildrenTests {
    @Test func listsAChildUntilItIsReaped() throws {
        let child = try SpawnedGroup(["/bin/sleep", "30"])
        defer { child.stop() }
        let children = try #require(ProcessTable.ownChildren(), "this kernel has no /proc/self/task/*/children")
        #expect(children.contains(child.pid))
        // The same answer as the whole table gives for this process.
        let me = getpid()
        #expect(ProcessTable.read().entries.filter { $0.ppid == me }.map(\.pid).contains(child.pid))
        child.stop()
        #expect(ProcessTable.ownChildren()?.contains(child.pid) == false)
    }
}
