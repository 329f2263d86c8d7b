import Foundation
import Testing

/// Every relative link in README.md and docs/ resolves: the file exists in
/// the repository and a `#anchor` names one of its headings. A failure
/// names the file and line of the broken link.
@Suite struct DocLinkTests {
    /// The repository's root: three folders above this file.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// README.md and every Markdown file under docs/, relative to the root.
    static func documents() -> [String] {
        var paths = ["README.md"]
        let docs = root.appendingPathComponent("docs")
        let walker = FileManager.default.enumerator(atPath: docs.path)
        while let path = walker?.nextObject() as? String {
            if path.hasSuffix(".md") { paths.append("docs/" + path) }
        }
        return paths.sorted()
    }

    @Test func everyRelativeLinkInTheDocsResolves() {
        let documents = Self.documents()
        #expect(documents.count > 10, "expected README.md and the pages of docs/, found \(documents)")
        for broken in MarkdownLinkChecker(root: Self.root).check(documents) {
            Issue.record("\(broken)")
        }
    }

    @Test func theCheckerFindsAMissingFileAMissingHeadingAndALinkLeavingTheRepository() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("doclinks-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("docs"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "# Guide\n\n## The `ppm.service{}` fields\n\n## Notes\n## Notes\n".write(
            to: root.appendingPathComponent("docs/guide.md"), atomically: true, encoding: .utf8)
        try """
        [ok](docs/guide.md#the-ppmservice-fields) [ok too](docs/guide.md#notes-1) [web](https://example.org/x#y)
        `[in code](nowhere.md)`
        ```
        [in a fence](nowhere.md)
        ```
        [gone](docs/missing.md)
        [no heading](docs/guide.md#fields)
        [outside](../shared/SPEC.md) [self](#readme)
        """.write(to: root.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let broken = MarkdownLinkChecker(root: root).check(["README.md"]).map(\.description)
        #expect(
            broken == [
                "README.md:6: (docs/missing.md) no such file: docs/missing.md",
                "README.md:7: (docs/guide.md#fields) no heading '#fields' in docs/guide.md",
                "README.md:8: (../shared/SPEC.md) points outside the repository",
                "README.md:8: (#readme) no heading '#readme' in README.md",
            ])
    }
}
