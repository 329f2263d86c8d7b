/// The stop ladder (SPEC 10): the first step's signal (or the `stop_cmd`)
/// when a stop begins, each later signal once the step before has waited
/// its time, SIGKILL after the last. Each later step is journaled
/// (`stop_step`) with the seconds since the stop began.
extension Supervisor {
    /// A stop of `run` begins: the `stop` event, the first step, and the
    /// timer of its wait.
    func beginStopLadder(_ service: Service, _ run: Phase.Run) {
        let spec = service.spec
        let first = spec.stopSteps(defaultTimeout: settings.stopTimeout)[0]
        let wait = first.wait ?? settings.stopTimeout
        service.stopStep = 0
        service.stopBegan = now.monotonic
        if let cmd = spec.stopCmd {
            emit(.stop, service, pid: run.pid, extra: ["stop_cmd": .string(Self.commandText(cmd))])
            runStopCommand(service, cmd, pid: run.pid, timeout: wait)
        } else {
            emit(.stop, service, pid: run.pid, extra: ["signame": .string(Signals.name(first.signal))])
            effects.append(.signalService(spec.name, pgid: run.pgid, Signal(first.signal)))
        }
        if run.paused { effects.append(.signalService(spec.name, pgid: run.pgid, .cont)) }
        arm(service, .kill, after: wait)
    }

    /// The wait of the current step is over and something of the run is
    /// left: the next step's signal (SIGKILL after the last step).
    func nextStopStep(_ service: Service, pgid: Int32, pid: Int32?) {
        let steps = service.spec.stopSteps(defaultTimeout: settings.stopTimeout)
        let step = service.stopStep + 1
        service.stopStep = step
        let signal = step < steps.count ? Signal(steps[step].signal) : .kill
        emit(
            .stopStep, service, pid: pid,
            extra: [
                "signame": .string(signal.name), "step": .init(step + 1), "after": .double(max(0, now.monotonic - service.stopBegan)),
            ])
        effects.append(.signalService(service.spec.name, pgid: pgid, signal))
        if step < steps.count && signal != .kill { arm(service, .kill, after: steps[step].wait ?? settings.stopTimeout) }
    }
}
