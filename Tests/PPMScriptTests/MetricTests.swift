import LuaKit
import PPMMachine
import Testing

@testable import PPMScript

/// `ppm.metric` (SPEC 11) and the exposition text it becomes.
@Suite struct MetricTests {
    /// The registry's text.
    func text(_ host: ConfigLoader) -> String {
        var w = ExpositionWriter()
        host.metrics.write(to: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test func countersGaugesAndHistogramsBecomeExpositionLines() throws {
        let host = try load(
            """
            local jobs = ppm.metric.counter("jobs_total", "Jobs done.", {"kind"})
            jobs:inc({kind = "a"})
            jobs:inc(2, {kind = 'say "hi"\\n'})
            local t = ppm.metric.gauge("temperature_celsius", "Room \\\\ temperature.")
            t:set(21.5); t:dec(0.5)
            local h = ppm.metric.histogram("job_seconds", "Durations.", nil, {0.1, 1})
            h:observe(0.05); h:observe(0.5); h:observe(7)
            total = jobs:get({kind = "a"}) + h:get()
            """)
        let out = text(host)
        #expect(
            out.contains(
                "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total{kind=\"a\"} 1\njobs_total{kind=\"say \\\"hi\\\"\\n\"} 2\n"),
            "\(out)")
        #expect(
            out.contains("# HELP temperature_celsius Room \\\\ temperature.\n# TYPE temperature_celsius gauge\ntemperature_celsius 21\n"), "\(out)")
        #expect(
            out.contains(
                "job_seconds_bucket{le=\"0.1\"} 1\njob_seconds_bucket{le=\"1\"} 2\njob_seconds_bucket{le=\"+Inf\"} 3\njob_seconds_sum 7.55\njob_seconds_count 3\n"
            ), "\(out)")
        #expect(out.hasPrefix("# HELP ppm_hook_seconds "))
        #expect(try host.lua.global("total") == .number(4))
    }

    @Test func mistakesAreErrorsAtTheCallersLine() {
        #expect(
            configError("x = 1\nppm.metric.counter('bad-name', 'h')")
                == "ppm.lua:2: ppm.metric.counter: 'bad-name' is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
        #expect(configError("ppm.metric.gauge('ppm_up', 'h')").contains("names starting with ppm_ are the daemon's own"))
        #expect(configError("ppm.metric.counter('c_total')").contains("'c_total' needs a help text"))
        #expect(
            configError("local c = ppm.metric.counter('c_total', 'h')\nc:inc(-1)")
                == "ppm.lua:2: ppm.metric: counter 'c_total' only goes up: inc takes a number ≥ 0, got -1.0")
        #expect(configError("local c = ppm.metric.counter('c_total', 'h')\nc:set(3)").contains("'c_total' is a counter: it has inc, not set"))
        #expect(configError("local c = ppm.metric.counter('c_total', 'h', {'k'})\nc:inc()").contains("'c_total' needs a value for its label 'k'"))
        #expect(
            configError("local c = ppm.metric.counter('c_total', 'h')\nc:inc({k = 1})").contains(
                "'c_total' has no label 'k' (it was defined without labels)"))
        #expect(
            configError("ppm.metric.counter('c_total', 'h')\nppm.metric.gauge('c_total', 'h')").contains("'c_total' is already defined as a counter"))
        #expect(configError("ppm.metric.histogram('h_seconds', 'h', {}, {1, 0.5})").contains("buckets must be finite numbers in increasing order"))
        #expect(
            configError("ppm.settings { metrics = { address = 'localhost' } }").contains("ppm.settings: metrics: 'address' must be a numeric IPv4"))
        #expect(configError("ppm.settings { metrics = { adress = '127.0.0.1:1' } }").contains("unknown field 'adress' (did you mean 'address'?)"))
    }

    @Test func aReloadedStateKeepsTheValuesOfMetricsDefinedTheSameWay() throws {
        let old = try load(
            """
            c = ppm.metric.counter("kept_total", "Kept.", {"k"}); c:inc(5, {k = "x"})
            g = ppm.metric.gauge("changed", "Becomes a counter."); g:set(9)
            d = ppm.metric.gauge("dropped", "Not defined again."); d:set(1)
            """)
        let fresh = try ConfigLoader(context: old.context)
        fresh.metrics = MetricRegistry(following: old.metrics)
        try fresh.loadConfig(
            source: """
                c = ppm.metric.counter("kept_total", "Kept, with a new help.", {"k"}); c:inc({k = "x"})
                g = ppm.metric.counter("changed", "Now a counter.")
                """, path: "ppm.lua")
        let out = text(fresh)
        #expect(out.contains("kept_total{k=\"x\"} 6"), "\(out)")
        #expect(out.contains("# HELP kept_total Kept, with a new help."), "\(out)")
        #expect(out.contains("# TYPE changed counter\nchanged 0\n"), "\(out)")
        #expect(!out.contains("dropped"), "\(out)")
        #expect(fresh.metrics.hookSeconds === old.metrics.hookSeconds)
    }

    @Test func numbersAndNamesFollowTheFormat() {
        var w = ExpositionWriter()
        for v in [0.0, -3, 1e21, 0.25, .infinity, -.infinity, .nan, 123456789] {
            w.number(v)
            w.append(" ")
        }
        #expect(String(decoding: w.bytes, as: UTF8.self) == "0 -3 1e+21 0.25 +Inf -Inf NaN 123456789 ")
        #expect(ExpositionWriter.isMetricName("a:b_c9") && !ExpositionWriter.isMetricName("9a") && !ExpositionWriter.isMetricName(""))
        #expect(ExpositionWriter.isLabelName("k_1") && !ExpositionWriter.isLabelName("__k") && !ExpositionWriter.isLabelName("a:b"))
    }

    @Test func aLabelTakingEverNewValuesIsCappedWithAClearError() throws {
        let host = try load(
            """
            c = ppm.metric.counter("per_pid_total", "h", {"pid"})
            for i = 1, \(MetricFamily.maxSeries) do c:inc({pid = i}) end
            ok, err = pcall(c.inc, c, {pid = -1})
            """)
        #expect(try host.lua.global("ok") == .boolean(false))
        #expect(try host.lua.global("err").stringValue?.contains("has 10000 label sets already (the most)") == true)
    }
}
