package import PPMMachine

/// What a client prints while a stop takes its time (SPEC 10): for each
/// step of a service's stop ladder that lasts longer than `patience`, one
/// line once it has lasted that long, e.g.
/// `web: still running (pid 123) after QUIT; TERM in 4 s`.
/// Times are seconds since the request was sent.
package struct StopNotices {
    private struct Notice {
        let at: Double
        let name: String
        let text: String
    }

    /// Seconds a step lasts before it gets a notice.
    package let patience: Double
    private var pending: [Notice] = []

    /// Notices for steps longer than `patience` seconds.
    package init(patience: Double) { self.patience = patience }

    /// Schedules the notices of one `stopping` progress item
    /// (`{name, pid, ladder: [{step, wait}], signal, kill_after}`).
    package mutating func add(_ item: JSONValue) {
        let name = item["name"]?.stringValue ?? "?"
        let pid = item["pid"]?.intValue.map(String.init) ?? "-"
        var steps = (item["ladder"]?.arrayValue ?? []).compactMap { step -> (String, Double)? in
            guard let label = step["step"]?.stringValue else { return nil }
            return (label, step["wait"]?.doubleValue ?? 0)
        }
        // A daemon that sends no ladder: its one signal, then SIGKILL.
        if steps.isEmpty { steps = [(item["signal"]?.stringValue ?? "TERM", item["kill_after"]?.doubleValue ?? 0)] }
        var start = 0.0
        for (index, (label, wait)) in steps.enumerated() {
            let end = start + wait
            if wait > patience {
                let next = index + 1 < steps.count ? steps[index + 1].0 : "SIGKILL"
                let left = Int((end - start - patience).rounded(.up))
                pending.append(
                    Notice(
                        at: start + patience, name: name,
                        text: "\(name): still running (pid \(pid)) after \(label); \(next) in \(left) s"))
            }
            start = end
        }
        pending.sort { $0.at < $1.at }
    }

    /// Seconds from `elapsed` until the next notice; nil when none is left.
    package func wait(at elapsed: Double) -> Double? { pending.first.map { max(0.001, $0.at - elapsed) } }

    /// The lines due at `elapsed`, except for services whose stop is done;
    /// they are not given again.
    package mutating func due(at elapsed: Double, done: Set<String>) -> [String] {
        let (now, later) = (pending.filter { $0.at <= elapsed + 0.01 }, pending.filter { $0.at > elapsed + 0.01 })
        pending = later
        return now.filter { !done.contains($0.name) }.map(\.text)
    }
}
