import Dispatch
import Glibc
import PPMCore

/// Timers on the daemon's loop queue. Durations run on the monotonic clock
/// (a wall-clock step changes no runtime, uptime or backoff); wall time is
/// read only for the `time` and `utc` fields.
final class DispatchScheduler: Scheduler {
    private let queue: DispatchQueue

    init(queue: DispatchQueue) { self.queue = queue }

    var now: Double { SystemClock.monotonic() }

    var wallNow: Double { SystemClock.wall() }

    func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerToken {
        let source = DispatchSource.makeTimerSource(queue: queue)
        let token = TimerToken { source.cancel() }
        source.schedule(deadline: .now() + max(0, seconds))
        source.setEventHandler { [queue] in
            source.cancel()
            guard !token.isCancelled else { return }
            LoopTurns.run(on: queue, action)
        }
        source.resume()
        return token
    }
}
