/// The two clocks of the daemon: monotonic for every duration, wall time
/// only for the `time` and `utc` fields.
package protocol Clock: AnyObject {
    /// Seconds on a monotonic clock: runtimes, uptimes, backoff resets.
    var now: Double { get }
    /// Unix time in seconds.
    var wallNow: Double { get }
}
