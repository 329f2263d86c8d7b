/// Runs readiness probes and health checks for the loop: the daemon's probe
/// engines (TCP, HTTP, a command, a Lua function).
package protocol ProbeRunner: AnyObject {
    /// Runs `probe` (for `purpose`) for the process `pid` of the service
    /// `spec` and calls `done(ok, message)` once, on the loop's queue,
    /// within `timeout` seconds.
    func run(
        _ probe: Probe, _ purpose: ProbePurpose, for spec: ServiceSpec, pid: Int32, timeout: Double,
        done: @escaping (_ ok: Bool, _ message: String?) -> Void)
}
