/// The summary of a service's last exit.
package struct LastExit: Sendable, Equatable {
    package var result: Int32?
    package var signal: Int32?
    package var runtime: Double
    package var time: Double
    /// The last sd_notify `ERRNO=` of the run, if it sent one.
    package var errno: Int32?
    /// The run's last sd_notify `STATUS=` text (`show` prints it while no run has started since).
    package var statusText: String?

    package init(result: Int32?, signal: Int32?, runtime: Double, time: Double, errno: Int32? = nil, statusText: String? = nil) {
        self.result = result
        self.signal = signal
        self.runtime = runtime
        self.time = time
        self.errno = errno
        self.statusText = statusText
    }
}
