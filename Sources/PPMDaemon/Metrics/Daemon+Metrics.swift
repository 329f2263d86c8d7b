import CSystem
import Dispatch
import PPMRuntime
import PPMScript

/// The metrics endpoint's place in the daemon (SPEC 11): `/metrics`,
/// `/healthz` and `/readyz`, served on the loop. A scrape copies each
/// service's figures on the loop (and writes Lua's metrics there); the
/// /proc pass and the text are made on the side thread, and the response
/// goes out from the loop again.
extension Daemon {
    /// The endpoint `ppm.settings { metrics = ... }` describes, bound and
    /// ready to resume; nil without one. Throws (the daemon then exits 1)
    /// when the address cannot be bound.
    func makeMetricsServer() throws -> MetricsServer? {
        guard let settings = host.metricsEndpoint else { return nil }
        return try MetricsServer(settings: settings, queue: queue, scheduler: scheduler) { [unowned self] head, connection in
            self.serveHTTP(head, connection)
        }
    }

    /// A reloaded config keeps the running endpoint: says so when its `metrics` setting differs.
    func noteMetricsChange(_ fresh: ConfigLoader) {
        guard fresh.metricsEndpoint != host.metricsEndpoint else { return }
        log("warn", "ppm.settings metrics changed: the metrics endpoint keeps its current address until the daemon restarts")
    }

    private func serveHTTP(_ head: HTTPRequestHead, _ connection: MetricsConnection) {
        LoopConfinement.check(queue)
        guard ["/metrics", "/healthz", "/readyz"].contains(head.path) else {
            return connection.respond(HTTPResponse(404, "not found: this endpoint serves /metrics, /healthz and /readyz\n"))
        }
        guard head.method == "GET" else {
            return connection.respond(HTTPResponse(405, "\(head.path) takes GET only\n", headers: [("Allow", "GET")]))
        }
        switch head.path {
        case "/healthz": connection.respond(HTTPResponse(200, "ok\n"))
        case "/readyz": connection.respond(readiness())
        default: scrape(connection)
        }
    }

    /// Returns the free pages of malloc's heap and the binary's code pages
    /// to the system (as after start-up): a scrape at 1000 services builds
    /// about a megabyte of text, which would otherwise stay resident.
    static func releaseScrapeMemory() {
        ppm_release_free_memory()
    }

    /// 200 when `ppm-lua health` would exit 0 (every autostart service that
    /// is not disabled runs and is not unhealthy, or is a `once` job that
    /// finished), else 503 naming those that are not.
    private func readiness() -> HTTPResponse {
        var notReady: [String] = []
        for s in supervisor.list() where s.spec.autostart && s.state != .disabled {
            guard !s.state.passesHealth(s.health, once: s.spec.once) else { continue }
            notReady.append("\(s.name): \(s.state.isUp ? "unhealthy" : s.state.rawValue)")
        }
        return notReady.isEmpty ? HTTPResponse(200, "ready\n") : HTTPResponse(503, notReady.joined(separator: "\n") + "\n")
    }

    /// `/metrics`: the figures copied now, the text made on the side thread.
    private func scrape(_ connection: MetricsConnection) {
        let rows = supervisor.list().map { ServiceMetricRow($0, cgroup: $0.pid == nil ? nil : spawner.cgroups?.directory(for: $0.name)) }
        var lua = ExpositionWriter(capacity: 4096)
        forwarder.writeMetrics(to: &lua)
        host.metrics.write(to: &lua)
        let luaText = lua.bytes
        let daemonStart = scheduler.wallNow - (scheduler.now - startedAt)
        // The text (about 1 KiB a service) is given back once sent: heap pages and the code pages the scrape used.
        // (From a later turn: the turn that sent it may still hold the text.)
        connection.onSent = { [queue, sideWork] in queue.turnAsync { sideWork.perform { Self.releaseScrapeMemory() } } }
        sideWork.perform { [queue] in
            let usage = ServiceMetrics.usage(of: rows)
            var w = ExpositionWriter(capacity: rows.count * 1500 + luaText.count + 512)
            ServiceMetrics.write(rows, usage: usage, daemonStart: daemonStart, to: &w)
            w.append(bytes: luaText)
            let response = Handoff(HTTPResponse(200, contentType: ExpositionWriter.contentType, body: w.bytes))
            queue.turnAsync { if let r = response.take() { connection.respond(r) } }
        }
    }
}
