/// A failed request, as the `error` of a reply.
public struct ControlFailure: Error, Sendable, CustomStringConvertible {
    /// The message sent to the client.
    public let description: String
    /// A failure with this message.
    public init(_ message: String) { description = message }
}
