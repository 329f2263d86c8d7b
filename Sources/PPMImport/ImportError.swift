/// Why a source config could not be imported: `FILE:LINE: message`.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    /// The source file.
    public var file: String
    /// The line (1-based) when known.
    public var line: Int?
    /// What is wrong.
    public var message: String

    /// An error at `line` of `file`.
    public init(_ file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message` (or `FILE: message`).
    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}
