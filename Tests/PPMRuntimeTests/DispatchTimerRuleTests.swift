import Foundation
import Testing

/// libdispatch loses a timer asked for while the process's descriptor table
/// is full: `asyncAfter` (or a timer source) made then never fires, even
/// once descriptors are freed (measured: a serial queue on the main queue,
/// the table filled, asyncAfter from another thread, 10 descriptors freed
/// 1 s later: nothing in 4 s). The daemon meets a full table by design
/// (SPEC 13) and its pauses and retries are asked for exactly then: the
/// control socket stayed unwatched for good after one `accept` failed with
/// EMFILE. So no source file makes a Dispatch timer, but the two that
/// must: the scheduler's fallback when no timerfd could be made at start,
/// and the warm-up that makes libdispatch open its timer descriptors
/// before anything can fill the table. Time things with the loop's
/// `Scheduler` (a timerfd) or `WorkerThread.perform(after:)`.
@Suite struct DispatchTimerRuleTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    static let allowed: Set<String> = ["PPMDaemon/Loop/DispatchScheduler.swift", "PPMDaemon/Resources/DescriptorBudget.swift"]

    @Test func noSourceMakesADispatchTimerButTheTwoThatMust() throws {
        let walker = try #require(FileManager.default.enumerator(atPath: Self.sources.path))
        var files = 0
        var found: [String] = []
        while let path = walker.nextObject() as? String {
            guard path.hasSuffix(".swift") else { continue }
            files += 1
            let text = try String(contentsOf: Self.sources.appendingPathComponent(path), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard !code.hasPrefix("//"), code.contains("asyncAfter(") || code.contains("makeTimerSource(") else { continue }
                if !Self.allowed.contains(path) { found.append("Sources/\(path):\(number + 1): \(code)") }
            }
        }
        #expect(files > 100)
        #expect(found.isEmpty, "Dispatch timers (use Scheduler or WorkerThread.perform(after:)):\n\(found.joined(separator: "\n"))")
    }
}
