import PPMCore

/// How a helper command started by `ppm.spawn` ended: what its `on_exit`
/// event table carries.
public struct HelperResult: Sendable {
    /// The helper's pid (nil when it could not be spawned).
    public var pid: Int32?
    /// Its exit status (nil when it could not be spawned).
    public var status: ExitStatus?
    /// Seconds it ran.
    public var runtime: Double
    /// What it wrote to stdout and stderr (each kept up to 1 MiB).
    public var stdout: String
    public var stderr: String
    /// Why it could not be spawned.
    public var error: String?

    public init(pid: Int32? = nil, status: ExitStatus? = nil, runtime: Double = 0, stdout: String = "", stderr: String = "", error: String? = nil) {
        self.pid = pid
        self.status = status
        self.runtime = runtime
        self.stdout = stdout
        self.stderr = stderr
        self.error = error
    }
}
