import Testing
@testable import PPMImport

@Suite struct PmtrImportTests {
    @Test func placeholder() {}
}
