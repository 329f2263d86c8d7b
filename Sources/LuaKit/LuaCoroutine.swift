import CLua
import CLuaShim

/// Thrown by a host function to suspend the coroutine that called it; the
/// values the coroutine is resumed with become the call's results. Outside
/// a coroutine the daemon runs (the config, `eval`, a deciding hook, or a
/// coroutine Lua code made itself with `coroutine.wrap`) the call raises a
/// clear error instead. Check `LuaState.canSuspend(_:)` before starting
/// any work the resume depends on.
public struct LuaYield: Error {
    public init() {}
}

/// A Lua function run as a coroutine of a `LuaState`, resumed from Swift.
/// Each resume is an outer call of its own: it gets a fresh time budget and
/// the state's memory cap, and may be interrupted like `LuaState.call`.
/// Confined, like its state, to the executor that owns the state.
public final class LuaCoroutine {
    /// Where a resume left the coroutine.
    public enum Step: Equatable {
        /// It waits (a host function threw `LuaYield`); resume it with the answer.
        case suspended
        /// It returned these values.
        case finished([LuaValue])
    }

    private let thread: OpaquePointer
    /// Keeps the thread alive in the registry; nil once the thread went
    /// back to the state's idle threads (`LuaState.idleThreads`).
    private var ref: LuaRef?
    private weak var state: LuaState?
    /// True once it returned or raised: it cannot be resumed again.
    public private(set) var isDone = false

    /// A coroutine that will call `function` at the first resume, on a
    /// thread of one that returned before when there is one (no new Lua
    /// thread and registry slot for each hook run).
    public init(_ state: LuaState, function: LuaRef) throws {
        if let idle = state.idleThreads.popLast() {
            thread = idle.thread
            ref = idle.ref
        } else {
            let L = state.L
            guard lua_checkstack(L, 4) != 0, let thread = lua_newthread(L) else {
                throw LuaError.conversion("cannot make a coroutine")
            }
            self.thread = thread
            ref = state.makeRef(L)
        }
        self.state = state
        LuaStack(thread, state: state).push(.function(function))
    }

    /// Whether `state`'s running host function was called by this coroutine
    /// itself (not by a coroutine Lua code made inside it).
    public var isCallingHost: Bool { !isDone && state?.hostThread == thread }

    /// Runs the coroutine until it suspends or ends. The first resume passes
    /// `args` to the function; later ones make them the results of the call
    /// that suspended. `budget` limits this run alone. Errors (a raise, the
    /// budget, the memory cap) end the coroutine and throw `LuaError`.
    public func resume(_ args: [LuaValue] = [], budget: Double? = nil) throws -> Step {
        guard let state, !isDone else { throw LuaError.conversion("the coroutine has ended") }
        guard lua_checkstack(thread, Int32(args.count) + 8) != 0 else { throw LuaError.conversion("too many arguments") }
        let outer = state.callDepth == 0
        if outer && !state.interrupter.begin(nil) { throw LuaError.interrupted(traceback: "") }
        state.callDepth += 1
        defer {
            state.callDepth -= 1
            if outer { state.interrupter.end() }
        }
        let stack = LuaStack(thread, state: state)
        for a in args { stack.push(a) }
        var results: Int32 = 0
        let status = ppm_lua_resume(state.L, thread, Int32(args.count), &results, budget ?? 0)
        state.drainReleasedRefs()
        if status == LUA_YIELD {
            lua_settop(thread, 0)
            return .suspended
        }
        isDone = true
        defer {
            lua_settop(thread, 0)
            // A thread that returned is as good as new (Lua 5.4): the next coroutine may take it.
            if status == LUA_OK, let ref, state.idleThreads.count < LuaState.idleThreadLimit {
                state.idleThreads.append((thread, ref))
                self.ref = nil
            }
        }
        guard status == LUA_OK else { throw state.error(text: state.stringAt(-1, of: thread), budget: budget ?? 0) }
        let top = lua_gettop(thread)
        return .finished(try (0..<results).map { try stack.value(at: top - results + 1 + $0) })
    }
}

extension LuaState {
    /// Whether the host function running now may throw `LuaYield` for
    /// `coroutine`: it was called by that coroutine's own function, which
    /// can suspend there.
    public func canSuspend(_ coroutine: LuaCoroutine?) -> Bool {
        guard let coroutine, let hostThread, coroutine.isCallingHost else { return false }
        return lua_isyieldable(hostThread) != 0
    }
}
