import PPMMachine
import PPMRuntime

/// The connections subscribed with `watch` (what `ppm-lua top` shows), and
/// what is pending for them: the services changed since the last push, and
/// the timers of the next push and of the next stats sample. Confined to
/// the loop; empty (no timer, no collecting) while nobody watches.
final class WatchSubscriptions {
    /// One subscriber: its connection and the id its replies carry.
    struct Subscriber {
        /// Where its replies go.
        let connection: ControlConnection
        /// The `id` of its `watch` request.
        let requestID: JSONValue
    }

    /// The subscribers by a number of their own.
    var subscribers: [Int: Subscriber] = [:]
    /// The number the next subscriber gets.
    var nextNumber = 0
    /// The services changed since the last push.
    var pending = ChangedServices()
    /// The push of `pending`, when armed.
    var pushTimer: TimerToken?
    /// The next stats sample, when armed.
    var sampleTimer: TimerToken?
    /// Whether a stats sample runs on the side thread (the next waits for it).
    var sampling = false

    /// Seconds between stats samples.
    static let sampleInterval = 1.0
    /// Seconds changes gather before they are pushed: a crash loop of a
    /// thousand services sends ten messages a second, not one per exit.
    static let pushDelay = 0.1
    /// The members of a service object a subscriber gets.
    static let fields = ServiceSnapshot.Selection(["name", "state", "pid", "starts", "restarts", "uptime", "last_exit", "health", "ready"])
}
