/// What the supervisor knew of a run beyond its process, kept when the
/// process is taken over by another image (`ppm-lua upgrade`, the
/// watchdog's re-exec) or by the next daemon after a kill: whether the run
/// was ready, its health, and what it said over sd_notify. Without it an
/// adopted run would wait for a `READY=1` that never comes again, or lose
/// its verdict and its watchdog.
package struct KeptRun: Sendable, Equatable {
    /// It had become ready (`running`, `reloading`); false: still `starting`.
    package var ready: Bool
    /// The health checks' verdict (nil: none yet).
    package var health: Health?
    /// Failed checks in a row so far.
    package var healthFailures = 0
    /// The last probe's message.
    package var probeMessage: String?
    /// It announced a reload (`RELOADING=1`) and has not said `READY=1` since.
    package var reloading = false
    /// It sent `STOPPING=1`.
    package var stoppingNoticed = false
    /// Its last `ERRNO=`.
    package var errno: Int32?
    /// Its last sd_notify `STATUS=` text.
    package var statusText: String?
    /// Seconds left of its `ready_timeout` (not ready yet); nil: the whole timeout.
    package var readyIn: Double?
    /// Seconds left before its watchdog fires; nil: the whole interval.
    package var watchdogIn: Double?
    /// The interval it asked for with `WATCHDOG_USEC=`; nil: the spec's.
    package var watchdogInterval: Double?
    /// The stop under way, handed over by a re-exec (never in the state log).
    package var stop: KeptStop?

    /// What is kept of `ready` alone.
    package init(ready: Bool) {
        self.ready = ready
    }

    /// As the handover and the state log write it.
    package var json: JSONValue {
        var o: [String: JSONValue] = ["ready": .bool(ready)]
        if let health { o["health"] = .string(health.rawValue) }
        if healthFailures > 0 { o["health_failures"] = .init(healthFailures) }
        if let probeMessage { o["probe_message"] = .string(probeMessage) }
        if reloading { o["reloading"] = .bool(true) }
        if stoppingNoticed { o["stopping_notified"] = .bool(true) }
        if let errno { o["errno"] = .init(errno) }
        if let statusText { o["status_text"] = .string(statusText) }
        if let readyIn { o["ready_in"] = .double(readyIn) }
        if let watchdogIn { o["watchdog_in"] = .double(watchdogIn) }
        if let watchdogInterval { o["watchdog_interval"] = .double(watchdogInterval) }
        if let stop { o["stop"] = stop.json }
        return .object(o)
    }

    /// Reads what `json` wrote; nil when it is no such object. Values out
    /// of range are left out (the file may have been edited by hand).
    package init?(json: JSONValue) {
        guard json.objectValue != nil, let ready = json["ready"]?.boolValue else { return nil }
        self.ready = ready
        health = json["health"]?.stringValue.flatMap(Health.init(rawValue:))
        healthFailures = json["health_failures"]?.intValue.map { Int(max(0, min($0, 1 << 20))) } ?? 0
        probeMessage = json["probe_message"]?.stringValue.map { String($0.prefix(Self.maxText)) }
        reloading = json["reloading"]?.boolValue ?? false
        stoppingNoticed = json["stopping_notified"]?.boolValue ?? false
        errno = json["errno"]?.intValue.flatMap { (0...Int64(Int32.max)).contains($0) ? Int32($0) : nil }
        statusText = json["status_text"]?.stringValue.map { String($0.prefix(Self.maxText)) }
        readyIn = json["ready_in"]?.doubleValue.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        watchdogIn = json["watchdog_in"]?.doubleValue.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        watchdogInterval = json["watchdog_interval"]?.doubleValue.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
        stop = json["stop"].flatMap(KeptStop.init(json:))
    }

    /// The longest text kept (a probe's message, a `STATUS=` text), in characters.
    package static let maxText = 1024
}

extension KeptRun {
    /// What is kept of `run` at `now` (monotonic seconds).
    init(_ run: Phase.Run, ready: Bool, now: Double) {
        self.ready = ready
        health = run.health
        healthFailures = run.healthFailures
        probeMessage = run.probeMessage
        reloading = run.reloading
        stoppingNoticed = run.stoppingNoticed
        errno = run.errno
        statusText = run.statusText
        readyIn = ready ? nil : run.readyDue.map { max(0, $0 - now) }
        watchdogIn = run.watchdogDue.map { max(0, $0 - now) }
        watchdogInterval = run.watchdogInterval
    }

    /// `run` with what is kept put back.
    func restore(into run: inout Phase.Run) {
        run.health = health
        run.healthFailures = healthFailures
        run.probeMessage = probeMessage
        run.reloading = ready && reloading
        run.stoppingNoticed = stoppingNoticed
        run.errno = errno
        run.statusText = statusText
        run.watchdogInterval = watchdogInterval
    }

    /// What the state log keeps for the next daemon after a kill: the notes
    /// and verdicts, which change seldom; not the counts and deadlines of
    /// each check and ping (that daemon gives the run whole intervals).
    var persisted: KeptRun {
        var kept = self
        kept.healthFailures = 0
        kept.probeMessage = nil
        kept.readyIn = nil
        kept.watchdogIn = nil
        kept.stop = nil
        return kept
    }
}
