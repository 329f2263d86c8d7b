import PPMCore

/// How a helper command from `ppm.spawn` ended.
public struct HelperExit: Sendable {
    /// Its exit status; nil when it could not be started.
    public var status: ExitStatus?
    /// What it wrote to stdout (the first MiB).
    public var stdout: String
    /// Why it could not be started.
    public var failure: String?
    /// Whether it was ended for running past its `timeout`.
    public var timedOut: Bool

    public init(status: ExitStatus? = nil, stdout: String = "", failure: String? = nil, timedOut: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.failure = failure
        self.timedOut = timedOut
    }
}
