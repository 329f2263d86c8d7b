import Foundation
import Testing

/// The front's modules stay lean (#23 item 4): `PPMClient`,
/// `PPMClientCommands` and the front itself (`Sources/ppm-lua-front`)
/// import no Foundation, OpenSSL, Lua, swift-argument-parser or PPMRuntime,
/// which would bring their start-up back to every `ppm-lua status`.
@Suite struct ClientImportTests {
    /// The repository's `Sources` folder.
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// What the front's modules may import.
    static let allowed: Set<String> = [
        "Glibc", "Synchronization", "CSystem", "SystemCalls", "PPMMachine", "PPMClient", "PPMClientCommands", "PPMTerminal",
    ]

    /// `FILE:LINE: import MODULE` for each import of `text` not in `allowed`.
    static func refusedImports(in text: String, file: String) -> [String] {
        var refused: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = line.split(separator: " ").filter { !$0.hasPrefix("@") }
            let afterAccess = words.drop { ["public", "package", "internal", "private", "fileprivate"].contains($0) }
            guard afterAccess.first == "import", afterAccess.count >= 2 else { continue }
            let path = afterAccess.count >= 3 ? afterAccess[afterAccess.startIndex + 2] : afterAccess[afterAccess.startIndex + 1]
            let module = String(path.split(separator: ".").first ?? path)
            if !allowed.contains(module) { refused.append("\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))") }
        }
        return refused
    }

    @Test(arguments: ["PPMClient", "PPMClientCommands", "ppm-lua-front"])
    func theFrontsModulesImportNothingHeavy(_ folder: String) throws {
        let walker = try #require(FileManager.default.enumerator(atPath: Self.sources.appendingPathComponent(folder).path))
        var files = 0
        while let path = walker.nextObject() as? String {
            guard path.hasSuffix(".swift") else { continue }
            files += 1
            let text = try String(contentsOf: Self.sources.appendingPathComponent(folder + "/" + path), encoding: .utf8)
            for refused in Self.refusedImports(in: text, file: "Sources/\(folder)/" + path) {
                Issue.record("\(refused): the front links this module; keep it to the client's own modules")
            }
        }
        #expect(files >= 2, "expected sources under Sources/\(folder)")
    }

    @Test func heavyImportsAreFound() {
        let text = "import Glibc\npackage import FoundationEssentials\nimport COpenSSL\n@preconcurrency import PPMRuntime\nimport PPMClient"
        #expect(
            Self.refusedImports(in: text, file: "f").map { $0.split(separator: " ").last! } == ["FoundationEssentials", "COpenSSL", "PPMRuntime"])
    }
}
