import Dispatch
import Foundation
import PPMCore

/// Timers on the daemon's loop queue, on the wall clock.
final class DispatchScheduler: Scheduler {
    private let queue: DispatchQueue

    init(queue: DispatchQueue) { self.queue = queue }

    var now: Double { Date().timeIntervalSince1970 }

    func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerToken {
        let source = DispatchSource.makeTimerSource(queue: queue)
        let token = TimerToken { source.cancel() }
        source.schedule(deadline: .now() + max(0, seconds))
        source.setEventHandler {
            source.cancel()
            guard !token.isCancelled else { return }
            action()
        }
        source.resume()
        return token
    }
}
