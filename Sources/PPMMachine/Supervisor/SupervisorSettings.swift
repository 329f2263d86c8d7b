/// Daemon-wide defaults (`ppm.settings`).
public struct SupervisorSettings: Sendable, Equatable {
    public var backoff = Backoff()
    public var stopTimeout: Double = 10
    /// Consecutive spawn failures after which a service is `fatal`.
    public var spawnAttempts = 5
    public init() {}
}
