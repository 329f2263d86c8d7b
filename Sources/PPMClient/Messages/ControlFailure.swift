/// A failed request, as the `error` of a reply.
package struct ControlFailure: Error, Sendable, CustomStringConvertible {
    /// The message sent to the client.
    package let description: String
    /// A failure with this message.
    package init(_ message: String) { description = message }
}
