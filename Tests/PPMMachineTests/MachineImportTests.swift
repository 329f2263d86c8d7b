import Foundation
import Testing

/// DESIGN's rule "the core knows nothing about the OS", checked: no file
/// of `Sources/PPMMachine` imports a module beyond Swift's own. Its target
/// depends on nothing in Package.swift (so CSystem and SystemCalls cannot
/// be imported); Glibc, Dispatch and Foundation need no dependency to be
/// imported on Linux, which this test refuses.
@Suite struct MachineImportTests {
    /// The folder of the machine's sources.
    static let machine = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/PPMMachine")

    /// Modules of the standard distribution that know no OS.
    static let allowed: Set<String> = ["Synchronization", "_Concurrency", "RegexBuilder"]

    /// `FILE:LINE: import MODULE` for each import line of `text` not allowed.
    static func refusedImports(in text: String, file: String) -> [String] {
        var refused: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.split(separator: " ").filter { !$0.hasPrefix("@") }
            let afterAccess = words.drop { ["public", "package", "internal", "private", "fileprivate"].contains($0) }
            guard afterAccess.first == "import", afterAccess.count >= 2 else { continue }
            // `import struct Glibc.timespec` names its module after the kind.
            let path = afterAccess.count >= 3 ? afterAccess[afterAccess.startIndex + 2] : afterAccess[afterAccess.startIndex + 1]
            let module = String(path.split(separator: ".").first ?? path)
            if !allowed.contains(module) { refused.append("\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))") }
        }
        return refused
    }

    @Test func theMachineImportsNoOperatingSystemModule() throws {
        let walker = try #require(FileManager.default.enumerator(atPath: Self.machine.path))
        var files = 0
        while let path = walker.nextObject() as? String {
            guard path.hasSuffix(".swift") else { continue }
            files += 1
            let text = try String(contentsOf: Self.machine.appendingPathComponent(path), encoding: .utf8)
            for refused in Self.refusedImports(in: text, file: "Sources/PPMMachine/" + path) {
                Issue.record("\(refused): the machine knows nothing about the OS; move this part to PPMRuntime")
            }
        }
        #expect(files > 40, "expected the machine's sources under \(Self.machine.path)")
    }

    @Test func importLinesOfEveryFormAreFound() {
        let text =
            "import Glibc\n@preconcurrency import Dispatch\npublic import FoundationEssentials\nimport struct CSystem.x\nimport Synchronization\n// import Foundation"
        #expect(
            Self.refusedImports(in: text, file: "f").map { $0.split(separator: " ").last! } == [
                "Glibc", "Dispatch", "FoundationEssentials", "CSystem.x",
            ])
    }
}
