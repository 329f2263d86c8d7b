import Foundation
import Testing

/// The metrics endpoint over real sockets (SPEC 11): what each path
/// answers, and the bounds that keep clients from hurting the daemon.
@Suite struct MetricsTests {
    @Test func readyzIs503WhileAServiceIsNotReadyAnd200After() throws {
        let s = try Sandbox()
        try s.write("tick", to: "gate")
        try s.write(
            """
            ppm.settings { metrics = { address = "127.0.0.1:0" } }
            ppm.service { name = "api", ready = { log = "listening" },
                          cmd = { "/bin/sh", "-c", "while [ -e \(s.dir)/gate ]; do sleep 0.05; done; echo listening; exec sleep 1000" } }
            """)
        try s.startDaemon()
        let port = try #require(s.metricsPort())
        #expect(eventually { s.state("api") == "starting" })
        let waiting = try #require(http(port, "/readyz"))
        #expect(waiting.status == 503 && waiting.body.contains("api: starting"), "\(waiting)")
        #expect(http(port, "/healthz")?.status == 200)
        try FileManager.default.removeItem(atPath: s.dir + "/gate")
        #expect(eventually { http(port, "/readyz")?.status == 200 })
        let metrics = try #require(http(port, "/metrics"))
        #expect(metrics.head.contains("Content-Type: text/plain; version=0.0.4"), "\(metrics.head)")
        #expect(metrics.body.contains("ppm_service_ready{service=\"api\"} 1"), "\(metrics.body)")
        #expect(metrics.body.contains("ppm_service_state{service=\"api\",state=\"running\"} 1"))
        #expect(http(port, "/metrics", method: "POST")?.status == 405)
        #expect(http(port, "/other")?.status == 404)
    }

    @Test func theSeventeenthConnectionIsRefusedWhileTheDaemonAnswers() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.settings { metrics = { address = "127.0.0.1:0" } }
            ppm.service { name = "a", cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        let port = try #require(s.metricsPort())
        // Sixteen clients that connect and say nothing hold every place.
        let held = (0..<16).compactMap { _ in LoopbackSocket(port: port) }
        #expect(held.count == 16)
        let extra = try #require(LoopbackSocket(port: port))
        extra.send("GET /healthz HTTP/1.1\r\n\r\n")
        let refused = extra.readToEnd().flatMap(HTTPReply.init)
        #expect(refused?.status == 503 && refused?.body.contains("too many connections") == true, "\(String(describing: refused))")
        let status = s.run(["status"], deadline: 5)
        #expect(status?.status == 0, "the daemon did not answer status while the endpoint was full")
        _ = held.map { shutdown($0.fd, Int32(SHUT_RDWR)) }
        #expect(eventually { http(port, "/healthz")?.status == 200 })
    }

    @Test func aMegabyteOfHeadersIsCutOffAndASilentClientDropped() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.settings { metrics = { address = "127.0.0.1:0" } }
            ppm.service { name = "a", cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        let port = try #require(s.metricsPort())
        let silent = try #require(LoopbackSocket(port: port, timeout: 30))
        let flood = try #require(LoopbackSocket(port: port, timeout: 20))
        flood.send("GET /metrics HTTP/1.1\r\n")
        let line = Array("X-Filler: \(String(repeating: "a", count: 1000))\r\n".utf8)
        var sent = 0
        while sent < 1 << 20 {
            let n = flood.send(line)
            sent += n
            if n < line.count { break }
        }
        let reply = flood.readToEnd().flatMap(HTTPReply.init)
        #expect(reply?.status == 431, "\(String(describing: reply)) after \(sent) bytes")
        #expect(s.run(["status"], deadline: 5)?.status == 0)
        // The client that never sent a request is dropped (within its 5 s, read ends; nil would be our 30 s timeout).
        #expect(silent.readToEnd() == [], "a silent client was not dropped")
        #expect(http(port, "/healthz")?.status == 200)
    }

    @Test func luaMetricsKeepTheirValuesAcrossAReload() throws {
        let s = try Sandbox()
        let config = """
            ppm.settings { metrics = { address = "127.0.0.1:0" } }
            widgets = ppm.metric.counter("widgets_total", "Widgets made.", {"color"})
            ppm.service { name = "a", cmd = "sleep 1000" }
            """
        try s.write(config)
        try s.startDaemon()
        let port = try #require(s.metricsPort())
        #expect(s.run("eval", "widgets:inc(3, {color = 'red'})").status == 0)
        #expect(http(port, "/metrics")?.body.contains("widgets_total{color=\"red\"} 3") == true)
        try s.write(config + "\n-- saved again\n")
        #expect(s.run("reload").status == 0)
        #expect(s.run("eval", "widgets:inc({color = 'red'})").status == 0)
        let body = http(port, "/metrics")?.body ?? ""
        #expect(body.contains("widgets_total{color=\"red\"} 4"), "\(body)")
    }

    @Test func anAddressInUseStopsTheDaemonWithAOneLineError() throws {
        let s = try Sandbox()
        let (taken, port) = try boundTCPSocket()
        defer { close(taken) }
        listen(taken, 1)
        try s.write(
            """
            ppm.settings { metrics = { address = "127.0.0.1:\(port)" } }
            ppm.service { name = "a", cmd = "sleep 1000" }
            """)
        let out = s.run(["daemon", "-c", s.config], deadline: 20)
        #expect(out?.status == 1, "\(String(describing: out))")
        #expect(out?.stderr.contains("ppm-lua: metrics 127.0.0.1:\(port): Address already in use") == true, "\(String(describing: out?.stderr))")
    }
}
