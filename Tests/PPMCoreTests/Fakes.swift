@testable import PPMCore
import PPMCoreTesting

/// Hooks that record events and answer with a scripted decision.
final class RecordingHooks: SupervisorHooks {
    var events: [ServiceEvent] = []
    var decide: (ServiceEvent, ServiceSnapshot) -> Decision? = { _, _ in nil }
    var errors: [String] = []

    func handle(_ event: ServiceEvent, service: ServiceSnapshot) -> HookResult {
        events.append(event)
        return HookResult(decision: decide(event, service), errors: errors)
    }
}

/// A supervisor wired to the fakes.
struct Rig {
    let clock = ManualScheduler()
    let spawner = FakeSpawner()
    let hooks = RecordingHooks()
    let supervisor: Supervisor

    init() {
        supervisor = Supervisor(spawner: spawner, scheduler: clock, journal: Journal(path: nil))
        supervisor.hooks = hooks
    }

    func add(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) {
        var spec = ServiceSpec(name: name, cmd: ["/bin/\(name)"])
        configure(&spec)
        try! supervisor.add(spec)
    }

    func state(_ name: String) -> ServiceState? { supervisor.snapshot(name)?.state }

    func exit(_ name: String, _ status: ExitStatus) {
        supervisor.processExited(pid: supervisor.snapshot(name)!.pid!, status: status)
    }
}
