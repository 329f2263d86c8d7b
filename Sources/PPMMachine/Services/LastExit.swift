/// The summary of a service's last exit.
public struct LastExit: Sendable, Equatable {
    public var result: Int32?
    public var signal: Int32?
    public var runtime: Double
    public var time: Double
    /// The last sd_notify `ERRNO=` of the run, if it sent one.
    public var errno: Int32?

    public init(result: Int32?, signal: Int32?, runtime: Double, time: Double, errno: Int32? = nil) {
        self.result = result
        self.signal = signal
        self.runtime = runtime
        self.time = time
        self.errno = errno
    }
}
