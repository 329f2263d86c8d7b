/// Daemon-wide defaults (`ppm.settings`).
package struct SupervisorSettings: Sendable, Equatable {
    package var backoff = Backoff()
    package var stopTimeout: Double = 10
    /// Consecutive spawn failures after which a service is `fatal`.
    package var spawnAttempts = 5
    package init() {}
}
