import Dispatch
import Foundation
import Glibc
import PPMRuntime
import Testing

@testable import PPMDaemon

/// The loop's own wait (`MainLoop`): a `ReadinessSet` of the loop is served by
/// it directly, as work of the loop queue, with no Dispatch source between.
@Suite struct MainLoopTests {
    /// A pipe made readable: the main loop's turn runs the handler itself, on
    /// the thread that turns it, where the loop's confined values may be read;
    /// forgotten, the descriptor is no longer served.
    @Test func aReadableDescriptorOfTheLoopIsServedByTheMainLoopsTurn() throws {
        let loop = DispatchQueue(label: "main-loop-test")
        let set = ReadinessSet(queue: loop, onMainLoop: true)
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { ends.forEach { close($0) } }
        let confined = LoopBound(7, queue: loop)
        let turningThread = pthread_self()
        var served: [(sameThread: Bool, value: Int)] = []
        #expect(
            set.watch(ends[0]) { _ in
                var byte: UInt8 = 0
                _ = read(ends[0], &byte, 1)
                served.append((pthread_equal(pthread_self(), turningThread) != 0, confined.value))
            })
        #expect(write(ends[1], "x", 1) == 1)
        // Several sets of other tests may share the wait: turn until ours ran.
        for _ in 0..<50 where served.isEmpty { MainLoop.serveSets(timeout: 0.1) }
        #expect(served.count == 1 && served.first?.sameThread == true && served.first?.value == 7)
        set.forget(ends[0])
        #expect(write(ends[1], "y", 1) == 1)
        MainLoop.serveSets(timeout: 0.05)
        #expect(served.count == 1)
    }

    /// A descriptor about to be closed leaves the set without a system call:
    /// the epoll set still holds it until its close, which takes it out.
    @Test func aDescriptorForgottenBeforeItsCloseLeavesTheSetWithTheClose() throws {
        let loop = DispatchQueue(label: "main-loop-test")
        let set = ReadinessSet(queue: loop, onMainLoop: true)
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { close(ends[1]) }
        #expect(set.watch(ends[0]) { _ in })
        func registered(_ fd: Int32) -> Bool {
            let info = (try? String(contentsOfFile: "/proc/self/fdinfo/\(set.descriptor)", encoding: .utf8)) ?? ""
            return info.split(separator: "\n").contains {
                $0.hasPrefix("tfd: ") && $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "\(fd)"
            }
        }
        #expect(registered(ends[0]))
        set.forgetClosing(ends[0])
        #expect(set.count == 0)
        #expect(registered(ends[0]))  // no EPOLL_CTL_DEL
        close(ends[0])
        #expect(!registered(ends[0]))
    }
}
