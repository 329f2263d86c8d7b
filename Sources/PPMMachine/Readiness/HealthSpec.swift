/// `health = {...}`: a check run while the service is ready (SPEC 9).
public struct HealthSpec: Sendable, Equatable {
    public var probe: Probe
    /// Seconds between two checks.
    public var every: Double = 30
    /// Seconds one check may take.
    public var timeout: Double = 5
    /// Failed checks in a row that make the service unhealthy.
    public var failures = 3
    /// Seconds after readiness before the first check.
    public var startPeriod: Double = 0

    public init(probe: Probe) { self.probe = probe }
}

extension ServiceSpec {
    /// How its health is checked: the probe's kind (`tcp`, `http`, `exec`,
    /// `function`), `watchdog` for a watchdog alone, nil without a check.
    public var healthCheck: String? { health?.probe.kind ?? (watchdog != nil ? "watchdog" : nil) }
}
