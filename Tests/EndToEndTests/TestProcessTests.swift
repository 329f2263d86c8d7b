import Foundation
import Glibc
import TestProcesses
import Testing

/// What the tests' own child processes get: their stdio and nothing else,
/// every signal at its default.
@Suite struct TestProcessTests {
    @Test func aChildHoldsOnlyItsStdioEvenWhenThisProcessHoldsOtherPipes() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)  // not close-on-exec, as Foundation's own are not
        defer { fds.forEach { close($0) } }
        let out = Pipe()
        let p = TestProcess()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ls /proc/$$/fd"]
        p.standardOutput = out
        try p.run()
        let listed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let held = Set(listed.split(separator: "\n").compactMap { Int32($0) })
        #expect(held.isSubset(of: [0, 1, 2, 3]), "\(held.sorted())")  // 3: ls's own directory
        #expect(!held.contains(fds[0]) || fds[0] <= 3)
        #expect(!held.contains(fds[1]) || fds[1] <= 3)
    }

    @Test func aChildStartedWhileSignalsAreBlockedHereStillEndsOnTerminate() throws {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        var old = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &old)
        let p = try TestProcess.run(URL(fileURLWithPath: "/bin/sleep"), arguments: ["100"])
        pthread_sigmask(SIG_SETMASK, &old, nil)
        p.terminate()
        #expect(eventually(10) { !p.isRunning })
        if !p.isRunning { #expect(p.terminationStatus == SIGTERM) } else { kill(p.processIdentifier, SIGKILL) }
    }
}
