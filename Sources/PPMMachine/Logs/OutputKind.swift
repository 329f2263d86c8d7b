/// The two streams a service writes.
public enum OutputKind: String, Sendable {
    case out, err

    /// The log file's suffix: `NAME.out.log`, `NAME.err.log`.
    public var fileSuffix: String { ".\(rawValue).log" }
}
