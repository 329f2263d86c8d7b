/// `health = {...}`: a check run while the service is ready (SPEC 9).
package struct HealthSpec: Sendable, Equatable {
    package var probe: Probe
    /// Seconds between two checks.
    package var every: Double = 30
    /// Seconds one check may take.
    package var timeout: Double = 5
    /// Failed checks in a row that make the service unhealthy.
    package var failures = 3
    /// Seconds after readiness before the first check.
    package var startPeriod: Double = 0

    package init(probe: Probe) { self.probe = probe }
}

extension ServiceSpec {
    /// How its health is checked: the probe's kind (`tcp`, `http`, `exec`,
    /// `function`), `watchdog` for a watchdog alone, nil without a check.
    package var healthCheck: String? { health?.probe.kind ?? (watchdog != nil ? "watchdog" : nil) }
}
