import PPMMachine

/// Explains a service's state in one paragraph (SPEC 11, `ppm-lua why`):
/// what it waits for and until when, its last exits with their status and
/// output, the backoff, readiness and health. A pure function of
/// `WhyFacts`: the daemon gathers them in one turn of its loop.
enum WhyExplainer {
    /// The answer for these facts.
    static func explain(_ f: WhyFacts) -> WhyAnswer {
        let s = f.service
        var a = WhyAnswer(name: s.name, state: s.state)
        a.exits = f.last("exit", 3)
        switch s.state {
        case .disabled:
            a.reason = "disabled"
            a.sentences = [
                "\(s.name) is disabled: its config says disabled = true, so the daemon never starts it; remove the field and reload to run it."
            ]
        case .created:
            a.reason = "created"
            a.sentences = [
                "\(s.name) is declared and not handled yet: the daemon starts services in order, and a `wait` service before it has not exited yet."
            ]
        case .stopped: stopped(f, &a)
        case .waiting: waiting(f, &a)
        case .starting: starting(f, &a)
        case .running, .paused, .reloading: running(f, &a)
        case .stopping: stopping(f, &a)
        case .finished, .crashed: ended(f, &a)
        case .fatal: fatal(f, &a)
        }
        history(f, &a)
        return a
    }

    // MARK: Down

    private static func stopped(_ f: WhyFacts, _ a: inout WhyAnswer) {
        let s = f.service
        let lastStop = f.last("stop").first
        guard s.held else {
            if !s.spec.autostart && s.starts == 0 {
                a.reason = "not_started"
                a.sentences = [
                    "\(s.name) has not been started: it has autostart = false, so it starts only when asked (ppm-lua start \(s.name), or ppm.start from Lua)."
                ]
            } else {
                a.reason = "stopped"
                a.sentences = [
                    "\(s.name) is stopped" + (lastStop.map { " since \(when($0.time, now: f.now))" } ?? "")
                        + " and stays down until it is started (ppm-lua start \(s.name))."
                ]
            }
            return
        }
        a.reason = "held"
        var first: String
        if let request = f.lastRequest, request.cmd == "stop" {
            a.request = request
            first = "\(s.name) is stopped on request: \(request.description) stopped it at \(when(request.time, now: f.now))."
        } else if !f.heldRequirements.isEmpty {
            first =
                "\(s.name) is stopped because \(f.heldRequirements.joined(separator: ", ")), which it requires, was stopped on request: dependents stop first."
        } else {
            first =
                "\(s.name) is stopped on request (by ppm.stop from Lua, or before the daemon last started)"
                + (lastStop.map { "; it was stopped at \(when($0.time, now: f.now))" } ?? "") + "."
        }
        if let exit = f.last("exit").first, exit.fields["outcome"]?.stringValue == "stopped", let pid = exit.fields["pid"]?.intValue {
            first += " Its process (pid \(pid)) \(exitPhrase(exit, s.spec.limits))."
        }
        a.sentences = [first, "It stays down, across reloads and daemon restarts, until it is started: ppm-lua start \(s.name)."]
    }

    /// `finished` and `crashed`: its own exit (or a spawn that failed) and a policy that did not restart it.
    private static func ended(_ f: WhyFacts, _ a: inout WhyAnswer) {
        let s = f.service
        if let error = s.lastError {
            a.reason = "spawn_failed"
            a.sentences = ["\(s.name) could not be spawned: \(oneLine(error)); \(notRestarting(s.spec, clean: false))."]
            return
        }
        guard let exit = a.exits.first else {
            a.reason = s.state.rawValue
            a.sentences = ["\(s.name) is \(s.state.rawValue); the journal no longer holds its last exit."]
            return
        }
        let clean = s.state == .finished
        if clean {
            a.reason = "finished"
        } else if exit.fields["oom"]?.boolValue == true {
            a.reason = "oom"
        } else {
            a.reason = exit.fields["signal"] != nil ? "signal" : "crashed"
        }
        var first =
            "\(s.name) \(clean ? "finished" : "crashed"): it \(exitPhrase(exit, s.spec.limits)) at \(when(exit.time, now: f.now))\(tailQuote(exit))."
        if let cause = exitCause(exit) { first += " \(capitalized(cause))." }
        a.sentences = [first, capitalized(notRestarting(s.spec, clean: clean)) + "; ppm-lua start \(s.name) runs it again."]
    }

    private static func fatal(_ f: WhyFacts, _ a: inout WhyAnswer) {
        let s = f.service
        if s.spawnFailures > 0, let error = s.lastError {
            a.reason = "spawn_failed"
            a.sentences = [
                "\(s.name) gave up (fatal) after \(count(s.spawnFailures, "spawn failure", "spawn failures")) in a row; the last: \(oneLine(error))."
            ]
            let earlier = f.last("spawn_failed", 10).compactMap { $0.fields["error"]?.stringValue }.map(oneLine)
            let others = Array(Set(earlier)).filter { $0 != oneLine(error) }.sorted()
            if !others.isEmpty { a.sentences.append("Earlier attempts said: \(others.joined(separator: "; ")).") }
            a.sentences.append("Fix the cause, then ppm-lua start \(s.name).")
            return
        }
        a.reason = "fatal"
        if let exit = a.exits.first {
            let cause = exit.fields["cause"]?.stringValue == "unhealthy"
            a.sentences = [
                "\(s.name) gave up (fatal): it \(exitPhrase(exit, s.spec.limits)) at \(when(exit.time, now: f.now))\(tailQuote(exit)), and "
                    + (cause
                        ? "its on_health hook returned \"fatal\" when it was unhealthy."
                        : "its on_exit hook or restart policy returned \"fatal\" (a restart limit, such as the limit plugin's, says so).")
            ]
        } else {
            a.sentences = ["\(s.name) gave up (fatal): a hook, policy or limit said so."]
        }
        if let hookError = f.last("hook_error").first?.fields["error"]?.stringValue {
            a.sentences.append("Its last hook error: \(oneLine(hookError)).")
        }
        a.sentences.append("ppm-lua start \(s.name) runs it again.")
    }

    /// Why an exit of this spec was not followed by a restart.
    static func notRestarting(_ spec: ServiceSpec, clean: Bool) -> String {
        if spec.once { return "as a once job it is not started again" }
        if spec.restart == .function || spec.scriptedFields.contains("on_exit") {
            return "its on_exit hook or restart policy did not restart it"
        }
        switch spec.restart {
        case .never: return "its policy (restart = \"never\") does not restart it"
        case .onFailure where clean: return "its policy (restart = \"on-failure\") restarts only after a crash"
        default: return "it was not restarted"
        }
    }

    static func capitalized(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    // MARK: History

    /// What every answer ends with: starts and restarts, the last exit
    /// when the state has not told it, the health history.
    private static func history(_ f: WhyFacts, _ a: inout WhyAnswer) {
        let s = f.service
        guard s.starts > 0 else { return }
        var counts = "It has been started \(count(s.starts, "time", "times"))"
        if s.restarts > 0 { counts += " (\(count(s.restarts, "restart", "restarts")))" }
        a.sentences.append(counts + ".")
        if [.running, .reloading, .starting, .paused, .stopping].contains(s.state), let exit = a.exits.first {
            var text = "Its previous run \(exitPhrase(exit, s.spec.limits)) at \(when(exit.time, now: f.now))\(tailQuote(exit))"
            if let cause = exitCause(exit) { text += " (\(cause))" }
            a.sentences.append(text + ".")
        }
        if s.spec.health != nil, s.health != .unhealthy {
            let unhealthy = f.last("unhealthy", 50)
            if let last = unhealthy.first {
                a.sentences.append(
                    "It was found unhealthy \(count(unhealthy.count, "time", "times")) in the journal; the last at \(when(last.time, now: f.now))"
                        + (last.fields["error"]?.stringValue.map { ": \(oneLine($0))" } ?? "") + ".")
            }
        }
    }
}
