import LuaKit
import PPMMachine

/// Hooks that decide (SPEC 5.3, 9): `on_exit`, a restart policy function
/// and `on_health` run as coroutines like every other hook, so they may
/// call `ppm.sleep` and `ppm.probe.*`. A decision made without suspending is
/// the event's answer at once (`HookResult.decision`), as before; one that
/// suspends leaves the service `deciding` (or, for `on_health`, running),
/// and the answer arrives later as the `decided` (`healthDecided`) input.
/// `hook_timeout` holds each run between two suspensions; `decide_timeout`
/// the whole decision, after which the default policy decides.
extension HookHost {
    /// One deciding function and how it is called.
    struct DecidingStep {
        var fn: LuaRef
        /// Its arguments, read when it starts (a policy's `svc` snapshot is
        /// taken after `on_exit` has answered).
        var arguments: () -> [LuaValue]
        /// Names it in errors ("on_exit of 'web'").
        var label: String
    }

    /// A decision under way: the steps left, what they said, and how a late answer is sent.
    final class PendingDecision {
        let service: String
        var steps: [DecidingStep]
        var next = 0
        var decision: Decision?
        var errors: [String] = []
        /// Still inside `handle`: the answer goes in the hook result.
        var inline = true
        var finished = false
        /// The step's coroutine while it is suspended.
        var task: LuaTask?
        var deadline: TimerToken?
        /// Sends the late answer to the loop (`decided`, `healthDecided`).
        let deliver: (Decision?) -> Void

        init(service: String, steps: [DecidingStep], deliver: @escaping (Decision?) -> Void) {
            self.service = service
            self.steps = steps
            self.deliver = deliver
        }
    }

    /// Runs `steps` in order until one returns a decision (the rest are
    /// skipped). Fills `result` when they finish without suspending;
    /// otherwise marks it `pending`, and `deliver` gets the decision later.
    func runDecision(
        _ steps: [DecidingStep], service: String, into result: inout HookResult,
        deliver: @escaping (Decision?) -> Void
    ) {
        guard !steps.isEmpty else { return }
        let pending = PendingDecision(service: service, steps: steps, deliver: deliver)
        advance(pending)
        pending.inline = false
        result.errors += pending.errors
        pending.errors = []
        if pending.finished {
            result.decision = pending.decision
        } else {
            result.pending = true
        }
    }

    /// Starts the next steps until one suspends or a decision is made.
    private func advance(_ pending: PendingDecision) {
        while !pending.finished, pending.next < pending.steps.count, !isClosed {
            let step = pending.steps[pending.next]
            pending.next += 1
            var ended: Result<[LuaValue], LuaTaskFailure>?
            var starting = true
            // The task holds the decision while it waits (and lets go once it ends).
            let task = launchTask(step.fn, step.arguments(), label: step.label, service: pending.service) { [weak self] outcome in
                if starting { ended = outcome } else { self?.stepEnded(pending, step, outcome) }
            }
            starting = false
            guard let ended else {
                // Suspended: the rest follows when it ends (`stepEnded`), or the deadline.
                pending.task = task
                armDeadline(pending)
                return
            }
            if absorb(ended, of: step, into: pending) { break }
        }
        finish(pending)
    }

    /// A suspended step ended (its answer, an error, or a reload's cancel).
    private func stepEnded(_ pending: PendingDecision, _ step: DecidingStep, _ outcome: Result<[LuaValue], LuaTaskFailure>) {
        guard !pending.finished else { return }
        pending.task = nil
        if absorb(outcome, of: step, into: pending) { return finish(pending) }
        advance(pending)
    }

    /// Records what a step said; true when it decided.
    private func absorb(_ outcome: Result<[LuaValue], LuaTaskFailure>, of step: DecidingStep, into pending: PendingDecision) -> Bool {
        switch outcome {
        case .success(let values):
            pending.decision = decision(values.first ?? .nil, from: step.label, errors: &pending.errors)
            return pending.decision != nil
        case .failure(let failure):
            pending.errors.append(failure.text)
            return false
        }
    }

    private func finish(_ pending: PendingDecision) {
        guard !pending.finished else { return }
        pending.finished = true
        pending.deadline?.cancel()
        pending.deadline = nil
        guard !pending.inline else { return }  // `decide` reads it
        for error in pending.errors { recordHookError(error, service: pending.service) }
        pending.errors = []
        pending.deliver(pending.decision)
    }

    /// The whole decision ends at `decide_timeout`: the waiting step is
    /// abandoned and the default policy decides.
    private func armDeadline(_ pending: PendingDecision) {
        guard pending.deadline == nil else { return }
        let limit = state.decideTimeout
        pending.deadline = scheduler?.schedule(after: limit) { [weak self, weak pending] in
            guard let self, let pending, !pending.finished else { return }
            let label = pending.task?.label ?? pending.steps[max(0, pending.next - 1)].label
            if let task = pending.task {
                suspendedTasks[ObjectIdentifier(task)] = nil
                task.abandon()
                pending.task = nil
            }
            pending.decision = nil
            pending.errors.append("\(label): did not decide within decide_timeout (\(LuaError.formatSeconds(limit))); the default policy decides")
            finish(pending)
        }
    }

    /// The steps that decide an exit: `on_exit`, then the restart policy function.
    func exitSteps(_ event: ServiceEvent, _ ev: LuaValue, _ scripts: ServiceScripts) -> [DecidingStep] {
        var steps: [DecidingStep] = []
        let name = event.name
        if let f = scripts.onExit { steps.append(DecidingStep(fn: f, arguments: { [ev] }, label: "on_exit of '\(name)'")) }
        if let f = scripts.policy {
            steps.append(
                DecidingStep(
                    fn: f,
                    arguments: { [weak self] in
                        let svc = self?.supervisor?.snapshot(name).flatMap { s in self?.state.snapshotTable(s) }.map(LuaValue.table) ?? .nil
                        return [ev, svc]
                    }, label: "restart policy of '\(name)'"))
        }
        return steps
    }

    /// Turns what a deciding hook returned into a decision (nil: the policy
    /// decides); a value that is no action is an error.
    func decision(_ v: LuaValue, from label: String, errors: inout [String]) -> Decision? {
        switch v {
        case .nil: return nil
        case .string("restart"): return .restart(after: 0)
        case .string("stop"): return .stop
        case .string("fatal"): return .fatal
        case .table(let t) where t["action"] == .string("restart") && t["scheduled"] == .boolean(true):
            switch t["after"] {
            case .integer(let i) where i >= 0: return .schedule(after: Double(i))
            case .number(let d) where d >= 0 && d.isFinite: return .schedule(after: d)
            default: break
            }
        case .table(let t) where t["action"] == .string("restart"):
            switch t["after"] {
            case .nil: return .restart(after: 0)
            case .integer(let i) where i >= 0: return .restart(after: Double(i))
            case .number(let d) where d >= 0 && d.isFinite: return .restart(after: d)
            case .string(let s) where Durations.seconds(s) != nil: return .restart(after: Durations.seconds(s))
            default: break
            }
        case .table(let t) where t["action"] == .string("stop"): return .stop
        case .table(let t) where t["action"] == .string("fatal"): return .fatal
        default: break
        }
        errors.append(
            "\(label) returned an invalid action (expected nil, \"restart\", \"stop\", \"fatal\" or {action = \"restart\", after = seconds, scheduled = true})"
        )
        return nil
    }
}
