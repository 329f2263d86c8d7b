/// What a probe found.
public struct ProbeResult: Sendable, Equatable {
    /// Whether the check passed (connected; 2xx/3xx; exit status 0).
    public var ok: Bool
    /// One line: what passed or why it failed ("connection refused",
    /// "timed out after 2 s", "HTTP 503 Service Unavailable").
    public var message: String
    /// The HTTP status or the exit status, when one was received.
    public var status: Int?
    /// The HTTP body or the command's stdout, at most `maxOutput` bytes.
    public var output: [UInt8]

    /// The most of a body or stdout a probe keeps.
    public static let maxOutput = 64 * 1024

    public init(ok: Bool, message: String, status: Int? = nil, output: [UInt8] = []) {
        self.ok = ok
        self.message = message
        self.status = status
        self.output = output
    }

    /// A failure with this reason.
    public static func failed(_ message: String) -> ProbeResult { ProbeResult(ok: false, message: message) }
}
