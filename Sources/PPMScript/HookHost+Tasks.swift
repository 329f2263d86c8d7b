import LuaKit

/// Hook, timer and probe functions run as coroutines (SPEC 9): they may
/// call `ppm.sleep` and `ppm.probe.*`, which suspend them until their
/// answer arrives on the loop. Deciding hooks do too
/// (`HookHost+Decisions.swift`); only `ppm.first_start`'s delay function
/// still runs as a plain call (boot needs its answer at once).
extension HookHost {
    /// Runs `fn(args...)` as a coroutine until it ends or first suspends.
    /// An error before the first suspension is returned; a later one (or
    /// any, when `ended` is given) goes to `ended`, or is journaled as a
    /// hook error.
    @discardableResult
    func startTask(
        _ fn: LuaRef, _ args: [LuaValue], label: String, service: String? = nil,
        ended: ((Result<[LuaValue], LuaTaskFailure>) -> Void)? = nil
    ) -> String? {
        let coroutine: LuaCoroutine
        do { coroutine = try LuaCoroutine(lua, function: fn) } catch {
            let failure = LuaTaskFailure(text: "\(label): \(error)")
            if let ended {
                ended(.failure(failure))
                return nil
            }
            return failure.text
        }
        let task = LuaTask(coroutine, label: label, service: service)
        task.ended = ended
        return step(task, args, first: true)
    }

    /// Runs `fn(args...)` as a coroutine until it ends or first suspends;
    /// `ended` gets how it ended (at once when it never suspended). Returns
    /// the task, to abandon it while it waits (nil when it could not start).
    @discardableResult
    func launchTask(
        _ fn: LuaRef, _ args: [LuaValue], label: String, service: String? = nil,
        ended: @escaping (Result<[LuaValue], LuaTaskFailure>) -> Void
    ) -> LuaTask? {
        let coroutine: LuaCoroutine
        do { coroutine = try LuaCoroutine(lua, function: fn) } catch {
            ended(.failure(LuaTaskFailure(text: "\(label): \(error)")))
            return nil
        }
        let task = LuaTask(coroutine, label: label, service: service)
        task.ended = ended
        step(task, args, first: true)
        return task
    }

    /// Resumes `task` with `values` (the answer it waited for).
    func resumeTask(_ task: LuaTask, _ values: [LuaValue]) {
        guard suspendedTasks.removeValue(forKey: ObjectIdentifier(task)) != nil else { return }
        task.pending = nil
        step(task, values, first: false)
    }

    /// One run of the task; the error of a first run without `ended` is returned.
    @discardableResult
    private func step(_ task: LuaTask, _ values: [LuaValue], first: Bool) -> String? {
        guard !isClosed else { return nil }
        let outer = runningTask
        runningTask = task
        defer { runningTask = outer }
        let outcome: Result<LuaCoroutine.Step, LuaTaskFailure>
        do {
            outcome = .success(try runLua { try task.coroutine.resume(values, budget: hookTimeout) })
        } catch let e as LuaError {
            outcome = .failure(LuaTaskFailure(text: "\(task.label): \(describe(e))"))
        } catch {
            outcome = .failure(LuaTaskFailure(text: "\(task.label): \(error)"))
        }
        switch outcome {
        case .success(.suspended):
            suspendedTasks[ObjectIdentifier(task)] = task
        case .success(.finished(let results)):
            task.ended?(.success(results))
        case .failure(let failure):
            if let ended = task.ended {
                ended(.failure(failure))
            } else if first {
                return failure.text
            } else {
                recordHookError(failure.text, service: task.service)
            }
        }
        return nil
    }

    /// The task that may suspend in the host function running now, or an
    /// error naming why `function` cannot wait here.
    func suspendableTask(_ function: String) throws -> LuaTask {
        guard let task = runningTask, lua.canSuspend(task.coroutine) else { throw Self.cannotWait(function) }
        return task
    }

    /// Why `function` cannot wait where it was called.
    static func cannotWait(_ function: String) -> LuaHostError {
        LuaHostError(
            "\(function) can only wait inside a hook, timer or probe function the daemon runs "
                + "(not in the config, eval, ppm.first_start or a coroutine of its own: they must answer at once)")
    }

    /// Ends every suspended task (the state is being dropped): probes
    /// report that they were cancelled.
    func abandonTasks() {
        let tasks = suspendedTasks.values
        suspendedTasks = [:]
        for task in tasks {
            task.abandon()
            task.ended?(.failure(LuaTaskFailure(text: "\(task.label): cancelled (the config was reloaded)")))
        }
    }
}
