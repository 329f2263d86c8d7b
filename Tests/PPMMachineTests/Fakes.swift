import PPMMachineTesting
import PPMRuntime

@testable import PPMMachine

/// Hooks that record events and answer with a scripted decision.
final class RecordingHooks: SupervisorHooks {
    var events: [ServiceEvent] = []
    var decide: (ServiceEvent) -> Decision? = { _ in nil }
    var errors: [String] = []
    /// Decisions wait (a hook suspended): they come later as inputs.
    var pending = false

    func handle(_ event: ServiceEvent, decide: Bool) -> HookResult {
        events.append(event)
        var result = HookResult(decision: decide && !pending ? self.decide(event) : nil, errors: errors)
        result.pending = decide && pending
        return result
    }
}

/// A supervisor and its loop wired to the fakes.
struct Rig {
    let clock = ManualScheduler()
    let spawner = FakeSpawner()
    let hooks = RecordingHooks()
    let loop: SupervisorLoop
    var supervisor: Supervisor { loop.supervisor }

    init() {
        loop = SupervisorLoop(supervisor: Supervisor(clock: clock), spawner: spawner, scheduler: clock, journal: Journal(path: nil))
        loop.hooks = hooks
    }

    /// Declares a service; `on_exit` marks it as one whose exits Lua decides.
    func add(_ name: String, decides: Bool = false, _ configure: (inout ServiceSpec) -> Void = { _ in }) {
        var spec = ServiceSpec(name: name, cmd: ["/bin/\(name)"])
        if decides { spec.scriptedFields = ["on_exit"] }
        configure(&spec)
        loop.send(.add(spec))
    }

    func send(_ input: SupervisorInput) { loop.send(input) }
    func boot() { loop.send(.boot) }
    func state(_ name: String) -> ServiceState? { supervisor.snapshot(name)?.state }
    func pid(_ name: String) -> Int32 { supervisor.snapshot(name)!.pid! }

    func exit(_ name: String, _ status: ExitStatus) {
        loop.send(.exited(pid: pid(name), status: status))
    }

    /// A waiter that sets a flag.
    func waiter(_ flag: Flag) -> Waiter { loop.waiter { flag.value = true } }
}

/// A boolean a waiter closure can set.
final class Flag {
    var value = false
}
