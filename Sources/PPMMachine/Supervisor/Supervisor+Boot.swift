/// Boot: the declared services start in order; a `wait` service holds the
/// ones after it until its first exit (pmtr `wait`). They start
/// `bootBatch` at a time, each batch in a turn of its own (a `boot` timer
/// due at once): between two, the loop answers clients and reaps, so that
/// a boot of 10,000 services is not one long turn (which the stall
/// watchdog would end).
extension Supervisor {
    /// Services taken per turn at boot.
    static let bootBatch = 100

    func boot() {
        guard !hasBooted else { return }
        hasBooted = true
        bootCursor = 0
        continueBoot()
    }

    func continueBoot() {
        var taken = 0
        while let cursor = bootCursor, bootBlocker == nil, !isShuttingDown {
            guard cursor < table.order.count else {
                bootCursor = nil
                return
            }
            if taken == Self.bootBatch { return armBootBatch() }
            taken += 1
            bootCursor = cursor + 1
            guard let service = table[table.order[cursor]] else { continue }
            initialStart(service)
            if service.spec.wait && (service.isActive || service.state == .waiting) {
                bootBlocker = service.spec.name
            }
        }
    }

    /// The rest of the boot in a later turn.
    private func armBootBatch() {
        timerSerial += 1
        let id = TimerID(name: "", kind: .boot, serial: timerSerial)
        bootTimer = id
        effects.append(.arm(id, after: 0))
    }

    /// The next batch's turn (a timer armed before the last is stale).
    func bootBatchDue(_ id: TimerID) {
        guard id == bootTimer else { return }
        bootTimer = nil
        continueBoot()
    }

    /// The first start of a service not handled yet (`created`): one that
    /// a Lua call already scheduled (`ppm.first_start`) is left alone.
    func initialStart(_ service: Service) {
        // Adopted or resumed services (a re-exec, a killed daemon) are where they were.
        guard !isShuttingDown, service.phase == .created else { return }
        if service.spec.disabled {
            service.phase = .disabled
        } else if !service.spec.autostart || service.held {
            service.phase = .down(.stopped)
        } else if service.spec.startAfter > 0 {
            delayStart(service, after: service.spec.startAfter)
        } else {
            launch(service)
        }
    }

    /// Lets boot go on once the `wait` service holding it has exited (pmtr:
    /// "waits until it exits before starting up subsequent jobs"), even when
    /// its policy restarts it later; a service that waits for its first run
    /// (`start_after`, `requires`) still holds it.
    func releaseBoot(_ service: Service) {
        guard bootBlocker == service.spec.name, !service.isActive, service.state != .waiting || service.starts > 0 else { return }
        bootBlocker = nil
        continueBoot()
    }

    /// Keeps the boot cursor right when a service before it is removed.
    func bootForget(_ name: String, at index: Int) {
        if let cursor = bootCursor, index < cursor { bootCursor = cursor - 1 }
        if bootBlocker == name {
            bootBlocker = nil
            continueBoot()
        }
    }
}
