/// The summary of a service's last exit.
package struct LastExit: Sendable, Equatable {
    package var result: Int32?
    package var signal: Int32?
    package var runtime: Double
    package var time: Double
    /// The last sd_notify `ERRNO=` of the run, if it sent one.
    package var errno: Int32?

    package init(result: Int32?, signal: Int32?, runtime: Double, time: Double, errno: Int32? = nil) {
        self.result = result
        self.signal = signal
        self.runtime = runtime
        self.time = time
        self.errno = errno
    }
}
