import Glibc
import PPMMachine

/// One captured line, as a follower (`logs -f`) receives it.
public struct OutputLine: Sendable, Equatable {
    /// The service that wrote it.
    public var name: String
    /// Which of its streams.
    public var stream: OutputKind
    /// The line, newline removed.
    public var text: String

    /// A line of `name` on `stream`.
    public init(name: String, stream: OutputKind, text: String) {
        self.name = name
        self.stream = stream
        self.text = text
    }
}
