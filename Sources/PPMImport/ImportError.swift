/// Why a source config could not be imported: `FILE:LINE: message`.
package struct ImportError: Error, Equatable, CustomStringConvertible {
    /// The source file.
    package var file: String
    /// The line (1-based) when known.
    package var line: Int?
    /// What is wrong.
    package var message: String

    /// An error at `line` of `file`.
    package init(_ file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message` (or `FILE: message`).
    package var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}
