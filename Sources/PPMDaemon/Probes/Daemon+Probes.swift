package import PPMMachine
import PPMScript

/// Readiness probes and health checks of services (SPEC 9): the engines of
/// `Probes/` for tcp, http and exec, the config's Lua functions for the
/// function kind. The supervisor asks with `probe` effects; the answer goes
/// back as the `probed` input.
extension Daemon: ProbeRunner {
    /// Runs one check of `probe` for the service of `spec` (its process
    /// `pid`) within `timeout` seconds; `done` gets the verdict on the loop.
    package func run(
        _ probe: Probe, _ purpose: ProbePurpose, for spec: ServiceSpec, pid: Int32, timeout: Double,
        done: @escaping (_ ok: Bool, _ message: String?) -> Void
    ) {
        let request: ProbeRequest
        switch probe {
        case .tcp(let address): request = .tcp(address)
        case .http(let url): request = .http(url, headers: [:])
        case .exec(let argv): request = .exec(argv, service: spec.name)
        case .function:
            guard let fn = host.probeFunction(of: spec.name, purpose) else { return done(false, "no probe function") }
            let label = purpose == .ready ? "ready probe of '\(spec.name)'" : "health check of '\(spec.name)'"
            return host.runProbe(fn, service: spec.name, timeout: timeout, label: label) { ok, message in
                done(ok, message.isEmpty ? nil : message)
            }
        }
        prober.runToEnd(request, timeout: timeout) { result in done(result.ok, result.message) }
    }
}
