/// The commands a service runs beside its process (SPEC 10): `pre_start`
/// before each start, `stop_cmd` as the first step of a stop, `post_stop`
/// once a run is over. Each goes out as a `runCommand` effect and comes
/// back as `commandEnded`; none blocks anything but the service it is for.
extension Supervisor {
    /// Runs the first `pre_start` command of a launch (`launch` counted the start).
    func beginPreStart(_ service: Service) {
        runPreStart(service, step: 0, deadline: now.monotonic + service.spec.startTimeout)
    }

    private func runPreStart(_ service: Service, step: Int, deadline: Double) {
        let id = nextCommand(service, .preStart)
        service.phase = .preStarting(Phase.PreStart(step: step, serial: id.serial, deadline: deadline))
        effects.append(
            .runCommand(
                ServiceCommand(
                    id: id, spec: service.spec, cmd: service.spec.preStart[step], timeout: max(0.001, deadline - now.monotonic),
                    killAfter: settings.stopTimeout)))
    }

    /// The `stop_cmd` of a stop that begins: the first step of the ladder.
    func runStopCommand(_ service: Service, _ cmd: [String], pid: Int32, timeout: Double) {
        effects.append(
            .runCommand(
                ServiceCommand(
                    id: nextCommand(service, .stopCmd), spec: service.spec, cmd: cmd, environment: ["MAINPID": String(pid)],
                    timeout: timeout, killAfter: settings.stopTimeout)))
    }

    /// The run is over (nothing of its group is left): its `post_stop`
    /// commands run, if it has any. Returns whether they do; `cleanedUp`
    /// follows once they have ended.
    func beginPostStop(_ service: Service) -> Bool {
        guard !service.spec.postStop.isEmpty else { return false }
        runPostStop(service, step: 0)
        return true
    }

    private func runPostStop(_ service: Service, step: Int) {
        let id = nextCommand(service, .postStop)
        service.postStop = (step, id.serial)
        cleaning.insert(service.spec.name)
        var environment: [String: String] = [:]
        // As systemd's ExecStopPost sees them.
        if let exit = service.lastExit {
            if let result = exit.result { environment = ["EXIT_CODE": "exited", "EXIT_STATUS": String(result)] }
            if let signal = exit.signal { environment = ["EXIT_CODE": "killed", "EXIT_STATUS": Signals.name(signal)] }
        }
        effects.append(
            .runCommand(
                ServiceCommand(
                    id: id, spec: service.spec, cmd: service.spec.postStop[step], environment: environment,
                    timeout: service.spec.stopTimeout ?? settings.stopTimeout, killAfter: settings.stopTimeout)))
    }

    private func nextCommand(_ service: Service, _ field: CommandID.Field) -> CommandID {
        commandSerial += 1
        return CommandID(name: service.spec.name, field: field, serial: commandSerial)
    }

    /// A command of the service ended.
    func commandEnded(_ id: CommandID, _ result: CommandResult) {
        guard let service = table[id.name] else { return }
        switch id.field {
        case .preStart: preStartEnded(service, id, result)
        case .stopCmd:
            let steps = service.spec.stopSteps(defaultTimeout: settings.stopTimeout)
            if !result.succeeded { commandFailed(service, id.field, result, timeout: steps.first?.wait ?? settings.stopTimeout) }
        case .postStop: postStopEnded(service, id, result)
        }
    }

    private func preStartEnded(_ service: Service, _ id: CommandID, _ result: CommandResult) {
        // A start called off (a stop, a removal) ended its command: nothing waits for it.
        guard case .preStarting(let at) = service.phase, at.serial == id.serial else { return }
        let spec = service.spec
        if result.succeeded {
            let next = at.step + 1
            guard next < spec.preStart.count else {
                service.phase = .launching(stopThen: nil)
                effects.append(.spawn(spec))
                return restarted(service)
            }
            if now.monotonic < at.deadline { return runPreStart(service, step: next, deadline: at.deadline) }
        }
        service.phase = .down(.crashed)
        spawnFailed(service, SpawnFailure(preStartFailure(at, spec, result)), tail: result.tail)
        restarted(service)
    }

    /// Why the `pre_start` command of step `at` kept the service from
    /// starting: its failure and its last line of output, or the
    /// `start_timeout` that ran out after it.
    private func preStartFailure(_ at: Phase.PreStart, _ spec: ServiceSpec, _ result: CommandResult) -> String {
        let command = spec.preStart.indices.contains(at.step) ? Self.commandText(spec.preStart[at.step]) : "?"
        if result.succeeded { return "pre_start '\(command)': start_timeout (\(Self.seconds(spec.startTimeout)) s) ran out after it" }
        if let error = result.error { return "pre_start '\(command)' could not run: \(error)" }
        let line = result.tail?.split(separator: "\n").last.map { ": \($0)" } ?? ""
        return "pre_start '\(command)' \(result.failure(timeout: spec.startTimeout))\(line)"
    }

    private func postStopEnded(_ service: Service, _ id: CommandID, _ result: CommandResult) {
        guard let at = service.postStop, at.serial == id.serial else { return }
        if !result.succeeded {
            commandFailed(service, id.field, result, timeout: service.spec.stopTimeout ?? settings.stopTimeout, step: at.step)
        }
        if at.step + 1 < service.spec.postStop.count { return runPostStop(service, step: at.step + 1) }
        service.postStop = nil
        cleaning.remove(service.spec.name)
        cleanedUp(service)
    }

    /// The last run's `post_stop` commands have ended: a stop completes, a
    /// start that waited for them happens.
    private func cleanedUp(_ service: Service) {
        switch service.phase {
        case .draining(_, let then): finishStop(service, then: then)
        case .waiting(.leftovers): launch(service)
        case .created, .disabled, .waiting, .preStarting, .launching, .starting, .running, .stopping, .deciding, .down: break
        }
        shutdownProgress(nil)
    }

    /// Journals a `command_failed` event: the field, the command, why, and its output's tail.
    private func commandFailed(_ service: Service, _ field: CommandID.Field, _ result: CommandResult, timeout: Double, step: Int = 0) {
        let cmd: [String]? =
            switch field {
            case .preStart: service.spec.preStart.indices.contains(step) ? service.spec.preStart[step] : nil
            case .stopCmd: service.spec.stopCmd
            case .postStop: service.spec.postStop.indices.contains(step) ? service.spec.postStop[step] : nil
            }
        var extra: [String: JSONValue] = ["field": .string(field.rawValue)]
        if let cmd { extra["cmd"] = .string(Self.commandText(cmd)) }
        if let tail = result.tail { extra["tail"] = .string(tail) }
        emit(.commandFailed, service, error: result.failure(timeout: timeout), extra: extra)
    }

    /// A command as a user wrote it: the text of `/bin/sh -c TEXT`, else its words.
    static func commandText(_ cmd: [String]) -> String {
        if cmd.count == 3 && cmd[0] == "/bin/sh" && cmd[1] == "-c" { return cmd[2] }
        return cmd.joined(separator: " ")
    }
}

extension Supervisor {
    /// Tells `waiter` once the service's start is done: at once, or, while
    /// its `pre_start` commands run, once they have ended (with the restart
    /// waiters: the spawn's answer is in by then).
    func whenStarted(_ name: String, _ waiter: Waiter) {
        guard let service = table[name], case .preStarting = service.phase else { return effects.append(.done(waiter)) }
        service.restartWaiters.append(waiter)
    }
}
