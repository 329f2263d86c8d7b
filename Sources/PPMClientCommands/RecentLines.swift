package import PPMMachine

/// The last lines a follower printed (service and text), to find in a
/// file's tail where it stopped.
package struct RecentLines {
    private var lines: [JSONValue] = []

    /// No line yet.
    package init() {}
    /// How many lines are kept.
    package static let kept = 3

    /// Whether no line was printed yet.
    package var isEmpty: Bool { lines.isEmpty }

    /// Keeps `line`, forgetting the oldest past `kept`.
    package mutating func append(_ line: JSONValue) {
        lines.append(Self.key(line))
        if lines.count > Self.kept { lines.removeFirst() }
    }

    /// What tells two lines apart: service, stream and text.
    private static func key(_ line: JSONValue) -> JSONValue {
        .object(["name": line["name"] ?? .null, "stream": line["stream"] ?? .null, "line": line["line"] ?? .null])
    }

    /// Where the lines not shown yet begin in `tail`: after the last place
    /// the lines shown last appear in it; all of it when they do not.
    package func newStart(in tail: [JSONValue]) -> Int {
        let wanted = lines
        guard !wanted.isEmpty, tail.count >= wanted.count else { return 0 }
        let plain = tail.map(Self.key)
        for end in stride(from: plain.count, through: wanted.count, by: -1) where Array(plain[(end - wanted.count)..<end]) == wanted {
            return end
        }
        return 0
    }
}
