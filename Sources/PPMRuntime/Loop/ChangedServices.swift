package import PPMMachine

/// The services a turn of the loop may have changed, for a subscriber that
/// shows them as they change (`ppm-lua top`): the names the turn's inputs
/// and effects named, or every service after an input that reaches them all
/// (a reload, the boot, a shutdown). Collected only while someone watches.
package struct ChangedServices: Sendable, Equatable {
    /// The services named, when not every service may have changed.
    package private(set) var names: Set<String> = []
    /// Whether any service may have changed (a reload, boot, shutdown).
    package private(set) var all = false

    /// Nothing changed yet.
    package init() {}

    /// Whether no service changed.
    package var isEmpty: Bool { !all && names.isEmpty }

    /// Adds what `other` holds.
    package mutating func merge(_ other: ChangedServices) {
        all = all || other.all
        if !all { names.formUnion(other.names) } else { names = [] }
    }

    /// Notes the service `input` names (every one for those that reach all).
    mutating func note(_ input: SupervisorInput) {
        switch input {
        case .add(let spec, _, _), .replace(let spec): note(spec.name)
        case .declare, .boot, .shutdown, .configure: noteAll()
        case .start(let name, _, _, _), .stop(let name, _, _), .restart(let name, _, _), .signal(let name, _), .remove(let name, _):
            note(name)
        case .spawned(let name, _), .decided(let name, _, _), .groupGone(let name), .adopt(let name, _), .resume(let name, _):
            note(name)
        case .ready(let name, _), .watchdog(let name, _, _), .extendReadyTimeout(let name, _, _), .notice(let name, _, _):
            note(name)
        case .probed(let name, _, _, _, _), .healthDecided(let name, _, _), .whenStarted(let name, _), .whenGone(let name, _):
            note(name)
        case .timer(let id): note(id.name)
        case .journal(let entry): entry.name.map { note($0) }
        case .exited, .paused, .continued, .commandEnded: break  // their effects name the service
        }
    }

    /// Notes the service `effect` names.
    mutating func note(_ effect: Effect) {
        switch effect {
        case .spawn(let spec), .probe(let spec, _, _, _, _): note(spec.name)
        case .signalService(let name, _, _), .endGroup(let name, _, _, _), .watchGroup(let name, _), .forget(let name): note(name)
        case .event(let event, _): note(event.name)
        case .journal(let entry): entry.name.map { note($0) }
        case .persist(let change): note(change.serviceName)
        case .runCommand(let command): note(command.spec.name)
        case .checkHealth(let plan): note(plan.spec.name)
        case .tuneHealthChecks(let name, _), .endHealthChecks(let name): note(name)
        case .signal, .arm, .cancel, .watchProcess, .endCommand, .done: break
        }
    }

    private mutating func note(_ name: String) {
        if !all && !name.isEmpty { names.insert(name) }
    }

    private mutating func noteAll() {
        all = true
        names = []
    }
}
