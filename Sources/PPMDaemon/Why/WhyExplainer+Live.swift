import PPMMachine

/// `why` for a service on its way up or running: waiting (timers,
/// requirements, leftovers), starting, running or paused, stopping.
extension WhyExplainer {
    static func waiting(_ f: WhyFacts, _ a: inout WhyAnswer) {
        let s = f.service
        let unmet = f.requirements.filter { !$0.met }
        a.requires = f.requirements.map(\.json)
        if !unmet.isEmpty {
            let never = unmet.filter { $0.never != nil }
            a.reason = never.isEmpty ? "requires" : "blocked"
            a.sentences = ["\(s.name) is waiting for \(list(unmet.map(\.wanted))): \(list(unmet.map(\.now)))."]
            if never.isEmpty {
                a.sentences.append(
                    unmet.count == 1
                        ? "That can still happen: it starts as soon as it does." : "Those can still happen: it starts as soon as they do.")
            } else {
                a.sentences.append(
                    "It will not start: \(list(never.compactMap(\.never))), so that can no longer happen; fix it and start \(never.count == 1 ? "it" : "them") again (ppm-lua start \(never.map(\.name).joined(separator: " ")))."
                )
            }
            return
        }
        guard let due = s.startsIn else {
            a.reason = "leftovers"
            a.sentences = ["\(s.name) waits for the processes its last run left behind to end; it starts once they are gone."]
            return
        }
        let next = f.now + due
        a.nextStart = next
        let exit = a.exits.first
        if let error = s.lastError {
            a.reason = "spawn_failed"
            a.sentences = [
                "\(s.name) could not be spawned (\(count(s.spawnFailures, "failure", "failures")) in a row): \(oneLine(error)).",
                "It tries again at \(when(next, now: f.now)); after \(f.settings.spawnAttempts) failures in a row it gives up (fatal).",
            ]
        } else if s.starts == 0 {
            a.reason = "start_after"
            a.sentences = [
                s.spec.startAfter > 0
                    ? "\(s.name) has not started yet: start_after delays its first start by \(span(s.spec.startAfter)), until \(when(next, now: f.now))."
                    : "\(s.name) will start at \(when(next, now: f.now)): its start was asked with a delay (ppm.start with after)."
            ]
        } else if s.crashes > 0, let exit {
            a.reason = "backoff"
            let delay = max(0, next - exit.time)
            var first =
                "\(s.name) is waiting to restart: it crashed \(count(s.crashes, "time", "times")) in a row; the last run \(exitPhrase(exit, s.spec.limits)) at \(when(exit.time, now: f.now))\(tailQuote(exit))."
            if let cause = exitCause(exit) { first += " \(capitalized(cause))." }
            a.sentences = [
                first, "The restart waits \(span(delay)) (\(backoffRule(s.spec, f.settings))): the next start is at \(when(next, now: f.now)).",
            ]
        } else {
            a.reason = "delayed"
            a.sentences = [
                "\(s.name) will start again at \(when(next, now: f.now)): "
                    + (exit.map { "after its last run \(exitPhrase($0, s.spec.limits)), " } ?? "") + "its restart policy asked for a delay."
            ]
        }
    }

    /// How the delay was chosen.
    private static func backoffRule(_ spec: ServiceSpec, _ settings: SupervisorSettings) -> String {
        if spec.restart == .function || spec.scriptedFields.contains("on_exit") { return "its on_exit hook or restart policy chose the delay" }
        let b = settings.backoff
        return
            "the backoff: \(span(b.interval)) doubled after each crash in a row, at most \(span(b.max)); a run of \(span(b.resetAfter)) ends the streak"
    }

    static func starting(_ f: WhyFacts, _ a: inout WhyAnswer) {
        let s = f.service
        a.reason = "starting"
        let pid = s.pid.map { "pid \($0)" } ?? "its process"
        var first = "\(s.name) is starting: \(pid) has run for \(span(s.uptime ?? 0)) and is not ready yet; it waits for \(readyWait(s.spec.ready))."
        if let message = s.probeMessage {
            first += " The last check said: \(oneLine(message))."
            a.probeMessages = [oneLine(message)]
        }
        a.sentences = [first]
        let left = s.spec.readyTimeout - (s.uptime ?? 0)
        if left > 0 {
            a.sentences.append(
                "If it is not ready within \(span(left)) more (ready_timeout = \(span(s.spec.readyTimeout))), the start counts as failed and its policy decides."
            )
        }
    }

    static func running(_ f: WhyFacts, _ a: inout WhyAnswer) {
        let s = f.service
        let pid = s.pid.map { "pid \($0)" } ?? "no pid"
        if s.state == .paused {
            a.reason = "paused"
            a.sentences = [
                "\(s.name) is paused: its process (\(pid)) was stopped by a signal (SIGSTOP or SIGTSTP) and does nothing until continued: ppm-lua signal CONT \(s.name)."
            ]
            return
        }
        if s.health == .unhealthy, let health = s.spec.health {
            a.reason = "unhealthy"
            let reports = f.last("unhealthy", 5)
            let failures = reports.first?.fields["failures"]?.intValue.map(Int.init) ?? health.failures
            var first =
                "\(s.name) runs (\(pid), for \(span(s.uptime ?? 0))) but is unhealthy: its last \(count(failures, "health check", "health checks")) (\(probeWait(health.probe)), every \(span(health.every))) failed"
            first += (s.probeMessage.map { "; the last said: \(oneLine($0))" } ?? "") + "."
            a.probeMessages = (s.probeMessage.map { [oneLine($0)] } ?? []) + reports.compactMap { $0.fields["error"]?.stringValue }.map(oneLine)
            a.sentences = [first]
            let earlier = reports.compactMap { r in r.fields["error"]?.stringValue.map { "\(when(r.time, now: f.now)): \(oneLine($0))" } }
            if !earlier.isEmpty { a.sentences.append("Unhealthy reports in the journal: \(earlier.joined(separator: "; ")).") }
            a.sentences.append("It keeps running because its on_health hook chose only to report it; without that hook it would have been restarted.")
            return
        }
        a.reason = s.state == .reloading ? "reloading" : "running"
        var first = "\(s.name) is running (\(pid), for \(span(s.uptime ?? 0)))"
        if s.state == .reloading { first += " and reloading its configuration (it sent RELOADING=1 and counts as running until its next READY=1)" }
        if s.spec.ready.waits {
            let after = f.last("ready").first?.fields["after"]?.doubleValue
            first += " and ready (\(s.spec.ready.kind)\(after.map { ", \(span($0)) after its spawn" } ?? ""))"
        }
        if let health = s.spec.health {
            switch s.health {
            case .healthy?: first += "; it is healthy" + (s.probeMessage.map { " (last check: \(oneLine($0)))" } ?? "")
            default: first += "; its health checks (\(probeWait(health.probe)), every \(span(health.every))) have no verdict yet"
            }
        }
        a.sentences = [first + "."]
    }

    static func stopping(_ f: WhyFacts, _ a: inout WhyAnswer) {
        let s = f.service
        a.reason = "stopping"
        let stop = f.last("stop").first
        var first = "\(s.name) is stopping: SIG\(Signals.name(s.spec.stopSignal)) was sent to its process group"
        if let stop { first += " at \(when(stop.time, now: f.now))" }
        if let request = f.lastRequest, let stop, abs(request.time - stop.time) < 1 {
            a.request = request
            first += ", asked by \(request.description)"
        }
        a.sentences = [first + "."]
        if let stop {
            a.sentences.append(
                "What is still alive at \(when(stop.time + s.stopTimeout, now: f.now)) (stop_timeout = \(span(s.stopTimeout))) gets SIGKILL.")
        }
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}
