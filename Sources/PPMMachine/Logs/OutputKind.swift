/// The two streams a service writes.
package enum OutputKind: String, Sendable {
    case out, err

    /// The log file's suffix: `NAME.out.log`, `NAME.err.log`.
    package var fileSuffix: String { ".\(rawValue).log" }
}
