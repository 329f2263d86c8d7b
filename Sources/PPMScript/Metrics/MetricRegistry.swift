import LuaKit

/// The metrics Lua defines (`ppm.metric.counter/gauge/histogram`, SPEC 11)
/// and the daemon's histogram of hook run times, as `/metrics` shows them.
///
/// One per Lua state. A reload's new state starts with a registry that
/// follows the current one: a metric defined again with the same kind,
/// labels and buckets takes over its family, values included, so counters
/// do not drop to 0 when the config is saved; one the new config no longer
/// defines is gone with the old state. Confined to the daemon's loop.
package final class MetricRegistry {
    /// The families in the order they were defined.
    package private(set) var families: [MetricFamily] = []
    private var byName: [String: MetricFamily] = [:]
    /// The registry this one follows (nil: the first of the daemon).
    private let previous: MetricRegistry?
    /// `ppm_hook_seconds`: how long each hook call took (kept across reloads).
    package let hookSeconds: MetricFamily

    /// The most families one Lua state defines.
    package static let maxFamilies = 1000
    /// `ppm_hook_seconds`'s buckets: hooks take microseconds to milliseconds, their budget 1 s.
    static let hookBounds = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
    /// Prometheus's default buckets, for a histogram that names none.
    package static let defaultBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// A registry; `previous`'s families are taken over when defined again.
    package init(following previous: MetricRegistry? = nil) {
        self.previous = previous
        hookSeconds =
            previous?.hookSeconds
            ?? MetricFamily(
                name: "ppm_hook_seconds", help: "Time each Lua hook call took (on_exit, policies, ppm.on hooks, timers), in seconds.",
                kind: .histogram, labelNames: [], bounds: Self.hookBounds)
    }

    /// Defines a family, or returns the one of that name and shape; throws
    /// with a message naming what is wrong.
    package func define(_ kind: MetricFamily.Kind, name: String, help: String, labels: [String], bounds: [Double]?) throws -> MetricFamily {
        func fail(_ message: String) -> LuaHostError { LuaHostError("ppm.metric.\(kind.rawValue): \(message)") }
        guard ExpositionWriter.isMetricName(name) else { throw fail("'\(name)' is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)") }
        guard !name.hasPrefix("ppm_") else { throw fail("'\(name)': names starting with ppm_ are the daemon's own; choose another prefix") }
        guard !help.isEmpty else { throw fail("'\(name)' needs a help text (the second argument): Prometheus shows it") }
        for label in labels where !ExpositionWriter.isLabelName(label) || label == "le" {
            throw fail("'\(label)' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, not le, not starting with __)")
        }
        guard Set(labels).count == labels.count else { throw fail("'\(name)' names a label twice") }
        var sorted: [Double] = []
        if kind == .histogram {
            sorted = bounds ?? Self.defaultBounds
            guard !sorted.isEmpty, sorted.allSatisfy(\.isFinite), zip(sorted, sorted.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw fail("'\(name)': buckets must be finite numbers in increasing order, e.g. {0.1, 0.5, 1, 5}")
            }
        } else if bounds != nil {
            throw fail("'\(name)': only a histogram takes buckets")
        }
        if let known = byName[name] {
            guard known.sameShape(kind, labels, sorted) else {
                throw fail("'\(name)' is already defined as a \(known.kind.rawValue) with labels {\(known.labelNames.joined(separator: ", "))}")
            }
            known.help = help
            return known
        }
        guard families.count < Self.maxFamilies else { throw fail("\(Self.maxFamilies) metrics are defined already (the most)") }
        let family: MetricFamily
        if let old = previous?.byName[name], old.sameShape(kind, labels, sorted) {
            old.help = help
            family = old
        } else {
            family = MetricFamily(name: name, help: help, kind: kind, labelNames: labels, bounds: sorted)
        }
        families.append(family)
        byName[name] = family
        return family
    }

    /// The family's series key for a label table `{name = value}`: every
    /// label the family has, no other.
    package static func key(_ family: MetricFamily, _ labels: [String: String]) throws -> [String] {
        for given in labels.keys where !family.labelNames.contains(given) {
            throw LuaHostError(
                "ppm.metric: '\(family.name)' has no label '\(given)'"
                    + (family.labelNames.isEmpty ? " (it was defined without labels)" : " (its labels: \(family.labelNames.joined(separator: ", ")))")
            )
        }
        return try family.labelNames.map { name in
            guard let value = labels[name] else { throw LuaHostError("ppm.metric: '\(family.name)' needs a value for its label '\(name)'") }
            return value
        }
    }

    /// Every family's lines, the hook histogram first.
    package func write(to w: inout ExpositionWriter) {
        hookSeconds.write(to: &w)
        for family in families { family.write(to: &w) }
    }
}
