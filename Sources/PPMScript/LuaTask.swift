import LuaKit

/// A hook, timer or probe function the host runs as a coroutine, so that
/// `ppm.sleep` and `ppm.probe.*` can suspend it without blocking the loop.
/// Each run between two suspensions is held to `hook_timeout`.
final class LuaTask {
    let coroutine: LuaCoroutine
    /// Names the function in errors ("ppm.every timer", "ready probe of 'web'").
    let label: String
    /// The service a probe checks: `ppm.probe.exec` runs as its user.
    let service: String?
    /// Cancels what the task waits for (a probe, a sleep's timer).
    var pending: (() -> Void)?
    /// Told how the task ended: its results, or its error text. Nil: the
    /// host journals an error itself.
    var ended: ((Result<[LuaValue], LuaTaskFailure>) -> Void)?

    init(_ coroutine: LuaCoroutine, label: String, service: String?) {
        self.coroutine = coroutine
        self.label = label
        self.service = service
    }

    /// Cancels what it waits for and forgets it: it never runs again.
    func abandon() {
        let cancel = pending
        pending = nil
        cancel?()
    }
}

/// How a task failed: "LABEL: message" with the traceback.
struct LuaTaskFailure: Error {
    var text: String
}
