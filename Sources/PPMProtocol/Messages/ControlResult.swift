import PPMCore

/// A reply's result as a value and as the bytes the daemon sent.
public struct ControlResult: Sendable {
    /// The parsed result.
    public let value: JSONValue
    /// The result's JSON text exactly as received (one line, valid JSON).
    public let raw: ArraySlice<UInt8>
    /// When the result is an array: each element's text as received.
    public let items: [ArraySlice<UInt8>]
}
