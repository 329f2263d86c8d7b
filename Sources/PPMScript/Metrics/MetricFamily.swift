import LuaKit

/// One metric of `ppm.metric` (a counter, gauge or histogram) and its
/// series, one per set of label values. A class: a reload's new Lua state
/// takes over the family of the same definition, values and all.
package final class MetricFamily {
    /// What a family counts.
    package enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// The values of one set of labels.
    struct Series {
        /// A counter's or gauge's value; a histogram's sum.
        var value = 0.0
        /// A histogram's observations per bucket (not cumulative) and in all.
        var buckets: [UInt64] = []
        var count: UInt64 = 0
    }

    package let name: String
    package internal(set) var help: String
    package let kind: Kind
    package let labelNames: [String]
    /// A histogram's upper bounds, ascending (`+Inf` implied).
    package let bounds: [Double]
    /// Series by label values (in `labelNames` order), and the order they came in.
    private(set) var series: [[String]: Series] = [:]
    private(set) var order: [[String]] = []

    /// The most label sets one family keeps: a label taking unbounded
    /// values (a pid, a time) would otherwise grow the daemon without end.
    package static let maxSeries = 10_000

    init(name: String, help: String, kind: Kind, labelNames: [String], bounds: [Double]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labelNames
        self.bounds = bounds
    }

    /// Whether `other` describes the same metric (a reload keeps its values).
    func sameShape(_ kind: Kind, _ labelNames: [String], _ bounds: [Double]) -> Bool {
        self.kind == kind && self.labelNames == labelNames && self.bounds == bounds
    }

    /// Adds `amount` (a counter's or a gauge's `inc`).
    func add(_ amount: Double, at key: [String]) throws {
        try update(key) { $0.value += amount }
    }

    /// Sets a gauge.
    func set(_ value: Double, at key: [String]) throws {
        try update(key) { $0.value = value }
    }

    /// Records one observation of a histogram.
    func observe(_ value: Double, at key: [String]) throws {
        let bucket = bounds.firstIndex { value <= $0 } ?? bounds.count
        try update(key) { s in
            if s.buckets.isEmpty { s.buckets = Array(repeating: 0, count: bounds.count + 1) }
            s.buckets[bucket] += 1
            s.count += 1
            s.value += value
        }
    }

    /// The value at `key` (a histogram's count), 0 when never set.
    func value(at key: [String]) -> Double {
        guard let s = series[key] else { return 0 }
        return kind == .histogram ? Double(s.count) : s.value
    }

    private func update(_ key: [String], _ change: (inout Series) -> Void) throws {
        if series[key] == nil {
            guard series.count < Self.maxSeries else {
                throw LuaHostError(
                    "ppm.metric: '\(name)' has \(Self.maxSeries) label sets already (the most): a label that takes ever new values (a pid, a time) makes a series each"
                )
            }
            order.append(key)
            series[key] = Series()
        }
        change(&series[key]!)
    }

    /// The family's lines. An unlabelled counter or gauge shows 0 before its first change.
    package func write(to w: inout ExpositionWriter) {
        w.family(name, type: kind.rawValue, help: help)
        let keys = order.isEmpty && labelNames.isEmpty ? [[]] : order
        for key in keys {
            let s = series[key] ?? Series()
            guard kind == .histogram else {
                w.sample(name, names: labelNames, values: key, s.value)
                continue
            }
            var cumulative: UInt64 = 0
            for (i, bound) in bounds.enumerated() {
                cumulative += s.buckets.isEmpty ? 0 : s.buckets[i]
                w.sample(name + "_bucket", names: labelNames, values: key, extra: ("le", Self.boundText(bound)), Double(cumulative))
            }
            w.sample(name + "_bucket", names: labelNames, values: key, extra: ("le", "+Inf"), Double(s.count))
            w.sample(name + "_sum", names: labelNames, values: key, s.value)
            w.sample(name + "_count", names: labelNames, values: key, Double(s.count))
        }
    }

    /// A bucket's `le` label: `0.005`, `1`, `2.5`.
    static func boundText(_ bound: Double) -> String {
        var w = ExpositionWriter(capacity: 24)
        w.number(bound)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
