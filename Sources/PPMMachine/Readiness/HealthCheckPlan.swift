/// Health checks the loop runs by itself for one run of a service (SPEC 9):
/// the spec's `health.probe` every `health.every` seconds after the previous
/// answer, the first `firstAfter` seconds after they start, each within
/// `health.timeout`. Answers come back as `probed` inputs, except those
/// `tuning` says change nothing: a passing check of a healthy service then
/// costs the supervisor no timer and no transition.
package struct HealthCheckPlan: Sendable, Equatable {
    /// The service's spec (an `exec` check runs as the service; `health` is set).
    package var spec: ServiceSpec
    /// Seconds from now before the first check.
    package var firstAfter: Double
    /// The run checked, and the answers that change nothing.
    package var tuning: HealthCheckTuning

    package init(spec: ServiceSpec, firstAfter: Double, tuning: HealthCheckTuning) {
        self.spec = spec
        self.firstAfter = firstAfter
        self.tuning = tuning
    }
}
