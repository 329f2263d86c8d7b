package import PPMMachine

/// How a helper command started by `ppm.spawn` ended: what its `on_exit`
/// event table carries.
package struct HelperResult: Sendable {
    /// The helper's pid (nil when it could not be spawned).
    package var pid: Int32?
    /// Its exit status (nil when it could not be spawned).
    package var status: ExitStatus?
    /// Seconds it ran.
    package var runtime: Double
    /// What it wrote to stdout (kept up to 1 MiB).
    package var stdout: String
    /// What it wrote to stderr (kept up to 1 MiB).
    package var stderr: String
    /// Why it could not be spawned.
    package var error: String?
    /// Whether it was ended for running past its `timeout`.
    package var timedOut: Bool

    /// A result; a helper that could not be spawned has only `error`.
    package init(
        pid: Int32? = nil, status: ExitStatus? = nil, runtime: Double = 0, stdout: String = "", stderr: String = "", error: String? = nil,
        timedOut: Bool = false
    ) {
        self.pid = pid
        self.status = status
        self.runtime = runtime
        self.stdout = stdout
        self.stderr = stderr
        self.error = error
        self.timedOut = timedOut
    }
}
