import Glibc
package import PPMMachine

/// One captured line, as a follower (`logs -f`) receives it.
package struct OutputLine: Sendable, Equatable {
    /// The service that wrote it.
    package var name: String
    /// Which of its streams.
    package var stream: OutputKind
    /// The line, newline removed.
    package var text: String

    /// A line of `name` on `stream`.
    package init(name: String, stream: OutputKind, text: String) {
        self.name = name
        self.stream = stream
        self.text = text
    }
}
