/// What a probe found.
package struct ProbeResult: Sendable, Equatable {
    /// Whether the check passed (connected; 2xx/3xx; exit status 0).
    package var ok: Bool
    /// One line: what passed or why it failed ("connection refused",
    /// "timed out after 2 s", "HTTP 503 Service Unavailable").
    package var message: String
    /// The HTTP status or the exit status, when one was received.
    package var status: Int?
    /// The HTTP body or the command's stdout, at most `maxOutput` bytes.
    package var output: [UInt8]

    /// The most of a body or stdout a probe keeps.
    package static let maxOutput = 64 * 1024

    package init(ok: Bool, message: String, status: Int? = nil, output: [UInt8] = []) {
        self.ok = ok
        self.message = message
        self.status = status
        self.output = output
    }

    /// A failure with this reason.
    package static func failed(_ message: String) -> ProbeResult { ProbeResult(ok: false, message: message) }
}
