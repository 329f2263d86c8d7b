import Foundation
import TestProcesses
import Testing

/// A program on the PATH, or nil.
func programPath(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

let prometheusMissing = programPath("prometheus") == nil || programPath("promtool") == nil

/// A real Prometheus server scrapes the daemon (SPEC 11): what it stores is
/// what a dashboard would show. Debian's `prometheus` package brings both
/// programs (`scripts/ensure-deps.sh --tests` installs it).
@Suite(.serialized) struct PrometheusTests {
    @Test(
        .enabled(
            if: !prometheusMissing, "prometheus and promtool are not installed: scripts/ensure-deps.sh --tests installs Debian's prometheus package"))
    func prometheusScrapesRestartsAndALuaCounter() throws {
        let s = try Sandbox()
        try s.write(
            """
            ppm.settings { metrics = { address = "127.0.0.1:0" }, backoff = { interval = "50ms", max = "200ms" } }
            local widgets = ppm.metric.counter("widgets_made_total", "Widgets made, by color.", {"color"})
            widgets:inc(7, {color = "red"})
            ppm.service { name = "crashy", cmd = { "/bin/sh", "-c", "exit 1" } }
            ppm.service { name = "steady", cmd = "sleep 1000" }
            """)
        try s.startDaemon()
        let target = try #require(s.metricsPort())
        #expect(eventually { (s.services()["crashy"]?["restarts"] as? Int ?? 0) > 0 })

        // What Prometheus reads must pass its own checker.
        let exposition = try #require(http(target, "/metrics"))
        let check = try runTool(programPath("promtool")!, ["check", "metrics"], stdin: exposition.body)
        #expect(check.status == 0, "promtool check metrics: \(check.output)")

        let web = try freeTCPPort()
        try """
        global:
          scrape_interval: 2s
          scrape_timeout: 2s
          evaluation_interval: 2s
        scrape_configs:
          - job_name: ppm
            static_configs:
              - targets: ["127.0.0.1:\(target)"]
        """.write(toFile: s.dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let log = FileHandle(forWritingAtPath: s.dir + "/daemon.log") ?? FileHandle.nullDevice
        let prometheus = TestProcess()
        prometheus.executableURL = URL(fileURLWithPath: programPath("prometheus")!)
        prometheus.arguments = [
            "--config.file=\(s.dir)/prometheus.yml", "--storage.tsdb.path=\(s.dir)/tsdb",
            "--web.listen-address=127.0.0.1:\(web)", "--log.level=warn",
        ]
        prometheus.standardOutput = log
        prometheus.standardError = log
        try prometheus.run()
        defer {
            prometheus.terminate()
            prometheus.waitUntilExit()
        }
        #expect(eventually(60) { http(web, "/-/ready")?.status == 200 }, "prometheus did not get ready")

        /// The value of the first series an instant query returns.
        func query(_ promql: String) -> Double? {
            let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promql
            guard let reply = http(web, "/api/v1/query?query=\(encoded)"), reply.status == 200,
                let object = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
                let result = (object["data"] as? [String: Any])?["result"] as? [[String: Any]],
                let value = result.first?["value"] as? [Any], value.count == 2, let text = value[1] as? String
            else { return nil }
            return Double(text)
        }
        #expect(
            eventually(90) { query("up{job=\"ppm\"}") == 1 },
            "prometheus never scraped the daemon: \(http(web, "/api/v1/targets")?.body ?? "no answer")")
        var restarts: Double?
        #expect(
            eventually(30) {
                restarts = query("ppm_service_restarts_total{service=\"crashy\"}")
                return (restarts ?? 0) > 0
            }, "ppm_service_restarts_total of crashy: \(String(describing: restarts))")
        #expect(eventually(30) { query("widgets_made_total{color=\"red\"}") == 7 })
        #expect(eventually(30) { query("ppm_service_state{service=\"steady\",state=\"running\"}") == 1 })
    }

    /// Runs a program with `stdin`, returning its status and what it printed.
    func runTool(_ path: String, _ args: [String], stdin: String) throws -> (status: Int32, output: String) {
        let p = TestProcess()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let input = Pipe()
        let output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }
}
