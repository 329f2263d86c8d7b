package import LuaKit
package import PPMMachine

/// `ppm.sleep` and `ppm.probe.tcp/http/exec`: they suspend the calling
/// hook, timer or probe function (a coroutine) until the loop has their
/// answer; the daemon's loop itself never waits. And `runProbe`, the entry
/// point readiness and health checks use for a Lua probe function.
extension ScriptState {
    /// The timeout of one `ppm.probe.*` call when none is given.
    static let defaultProbeTimeout = 10.0

    func installProbes(into functions: inout LuaTable) {
        functions["sleep"] = lua.function("ppm.sleep") { [unowned self] args in
            let seconds =
                try FieldReader(label: "ppm.sleep").duration(args[1], "seconds") ?? { throw args.error(1, "seconds expected, got no value") }()
            guard let host = attached else { throw HookHost.cannotWait("ppm.sleep") }
            return try host.sleep(seconds)
        }
        functions["probe_tcp"] = lua.function("ppm.probe.tcp") { [unowned self] args in
            let address = try args.string(1)
            return try wait(for: .tcp(address), "ppm.probe.tcp", options: args[2]) { r in [.boolean(r.ok), .string(r.message)] }
        }
        functions["probe_http"] = lua.function("ppm.probe.http") { [unowned self] args in
            let url = try args.string(1)
            let headers = try FieldReader(label: "ppm.probe.http").stringMap(try args.optionalTable(2)?["headers"] ?? .nil, "headers") ?? [:]
            return try wait(for: .http(url, headers: headers), "ppm.probe.http", options: args[2]) { r in
                r.status.map { [.integer(Int64($0)), Self.text(r.output)] } ?? [.nil, .string(r.message)]
            }
        }
        functions["probe_exec"] = lua.function("ppm.probe.exec") { [unowned self] args in
            let cmd: [String]
            if case .string(let s) = args[1] { cmd = ["/bin/sh", "-c", s] } else { cmd = try FieldReader(label: "ppm.probe.exec").command(args[1]) }
            let service = attached?.runningTask?.service
            return try wait(for: .exec(cmd, service: service), "ppm.probe.exec", options: args[2]) { r in
                r.status.map { [.integer(Int64($0)), Self.text(r.output)] } ?? [.nil, .string(r.message)]
            }
        }
    }

    /// Checks the options of a `ppm.probe.*` call, then has the attached
    /// host start `request` and suspend the calling task.
    private func wait(
        for request: ProbeRequest, _ function: String, options: LuaValue,
        results: @escaping (ProbeResult) -> [LuaValue]
    ) throws -> [LuaValue] {
        var timeout = Self.defaultProbeTimeout
        if case .table(let t) = options, let given = try FieldReader(label: function).duration(t["timeout"], "timeout") {
            guard given > 0 else { throw LuaHostError("\(function): 'timeout' must be more than 0 seconds") }
            timeout = given
        } else if options != .nil, case .table = options {
        } else if options != .nil {
            throw LuaHostError("bad argument #2 to '\(function)' (table expected, got \(options.typeName))")
        }
        guard let host = attached else { throw HookHost.cannotWait(function) }
        return try host.wait(for: request, function, timeout: timeout, results: results)
    }

    private static func text(_ bytes: [UInt8]) -> LuaValue {
        String(validating: bytes, as: UTF8.self).map { .string($0) } ?? .bytes(bytes)
    }
}

extension HookHost {
    /// Suspends the calling task for `seconds`.
    func sleep(_ seconds: Double) throws -> [LuaValue] {
        let task = try suspendableTask("ppm.sleep")
        guard let scheduler else { throw LuaHostError("ppm.sleep: the daemon is not running") }
        let timer = scheduler.schedule(after: seconds) { [weak self, weak task] in
            guard let self, let task else { return }
            self.resumeTask(task, [])
        }
        task.pending = { timer.cancel() }
        throw LuaYield()
    }

    /// Starts `request` for the suspendable task calling `function`, then
    /// suspends it; it resumes with `results(answer)`.
    func wait(
        for request: ProbeRequest, _ function: String, timeout: Double,
        results: @escaping (ProbeResult) -> [LuaValue]
    ) throws -> [LuaValue] {
        let task = try suspendableTask(function)
        guard let probe = state.daemon.probe else { return [.nil, .string("\(function): probes need the running daemon")] }
        let handle = probe(request, timeout) { [weak self, weak task] answer in
            guard let self, let task else { return }
            self.resumeTask(task, results(answer))
        }
        task.pending = { handle.cancel() }
        throw LuaYield()
    }

    /// Runs a Lua probe function for `service` (readiness or health): it is
    /// called with the service's snapshot and may suspend in `ppm.sleep` and
    /// `ppm.probe.*`; each run between two suspensions is held to
    /// `hook_timeout`, the whole probe to `timeout`. `done` gets, once and in
    /// a later turn or at the end of this call, whether it passed (a true
    /// first result) and a one-line message (its second result, or the
    /// error of a probe that raised or ran out of time).
    package func runProbe(
        _ fn: LuaRef, service: String, timeout: Double, label: String? = nil,
        done: @escaping (_ ok: Bool, _ message: String) -> Void
    ) {
        var answered = false
        var overall: TimerToken?
        let answer: (Bool, String) -> Void = { ok, message in
            guard !answered else { return }
            answered = true
            overall?.cancel()
            done(ok, message)
        }
        let svc: LuaValue = supervisor?.snapshot(service).map { .table(state.snapshotTable($0)) } ?? .string(service)
        let name = label ?? "probe of '\(service)'"
        startTask(fn, [svc], label: name, service: service) { outcome in
            switch outcome {
            case .success(let values):
                let ok = values.first.map { $0 != .nil && $0 != .boolean(false) } ?? false
                let message =
                    values.count > 1
                    ? (values[1].stringValue ?? values[1].typeName) : (ok ? "" : "probe returned \(values.first?.typeName ?? "nothing")")
                answer(ok, Self.oneLine(message))
            case .failure(let failure):
                answer(false, Self.oneLine(failure.text))
            }
        }
        guard !answered else { return }
        // Still waiting: the whole probe ends at `timeout`.
        let waiting = suspendedTasks.values.first { $0.label == name && $0.service == service }
        overall = scheduler?.schedule(after: timeout) { [weak self, weak waiting] in
            if let waiting {
                self?.suspendedTasks[ObjectIdentifier(waiting)] = nil
                waiting.abandon()
            }
            answer(false, "\(name) timed out after \(LuaError.formatSeconds(timeout))")
        }
    }

    /// The service's Lua probe function for readiness or health, if it has one.
    package func probeFunction(of name: String, _ purpose: ProbePurpose) -> LuaRef? {
        purpose == .ready ? state.scripts(of: name)?.readyProbe : state.scripts(of: name)?.healthProbe
    }

    /// The first line of a message (a traceback follows it).
    static func oneLine(_ text: String) -> String {
        String(text.prefix { $0 != "\n" })
    }
}
