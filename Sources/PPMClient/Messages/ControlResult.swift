package import PPMMachine

/// A reply's result as a value and as the bytes the daemon sent.
package struct ControlResult: Sendable {
    /// The parsed result.
    package let value: JSONValue
    /// The result's JSON text exactly as received (one line, valid JSON).
    package let raw: ArraySlice<UInt8>
    /// When the result is an array: each element's text as received.
    package let items: [ArraySlice<UInt8>]
}
