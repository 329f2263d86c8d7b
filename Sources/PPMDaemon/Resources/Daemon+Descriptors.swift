import PPMCore

/// The descriptor budget (SPEC 13): the daemon raised its open-files limit
/// in `init`; the control socket, the TCP listener, inotify and the journal
/// are opened before the first service starts; from then on a service
/// starts only while a reserve stays free (`DescriptorGate`), and one that
/// cannot goes `fatal` with an error naming the limit. The daemon's log
/// says so once per episode.
extension Daemon {
    /// Puts the gate between the services and the daemon's reserve (the
    /// log files `output` has yet to open are promised descriptors).
    static func setUpDescriptorGate(loop: SupervisorLoop, output: OutputCapture, log: DaemonLog) {
        let gate = DescriptorGate()
        gate.promised = { [unowned output] in output.unopenedLogFiles }
        gate.onExhausted = { name, failure in
            log("warn", "'\(name)' and services started after it while no descriptor is free go fatal: \(failure.message)")
        }
        loop.descriptors = gate
    }
}
