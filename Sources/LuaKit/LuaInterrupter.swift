import CLua
import CLuaShim
import Synchronization

/// Names one call into a `LuaState`, so that another thread can stop that
/// call and no other (`LuaInterrupter.interrupt(_:)`). IDs increase and are
/// unique in the process, across states.
public struct LuaCallID: Sendable, Hashable, Comparable {
    let value: UInt64
    private static let last = Atomic<UInt64>(0)

    /// A new ID for a call that has not started.
    public static func next() -> LuaCallID {
        LuaCallID(value: last.add(1, ordering: .relaxed).newValue)
    }

    public static func < (a: LuaCallID, b: LuaCallID) -> Bool { a.value < b.value }
}

/// Stops a call running in a `LuaState` from any thread (Ctrl-C in a REPL,
/// a client that went away).
///
/// A call made with a `LuaCallID` can be stopped by that ID alone: before
/// it starts (it then fails at once with `interrupted`) or while it runs.
/// An interrupt never reaches another call, such as a hook that runs next.
public final class LuaInterrupter: @unchecked Sendable {
    private struct Calls {
        /// The state's address as a number, nil once the state is closed.
        var address: UInt?
        /// Whether an outer call runs, and its ID if it has one.
        var running = false
        var runningID: LuaCallID?
        /// The highest ID that has started: IDs up to it are done or running.
        var lastStarted: UInt64 = 0
        /// IDs interrupted before they started.
        var stopped: Set<LuaCallID> = []
    }

    private let calls: Mutex<Calls>

    init(_ L: OpaquePointer) {
        calls = Mutex(Calls(address: UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(L)))))
    }

    /// Makes the running call raise "interrupted" at its next instruction.
    /// A call that starts later is not affected.
    public func interrupt() {
        calls.withLock { c in
            if c.running { Self.raise(c) }
        }
    }

    /// Stops the call with this ID: now if it runs, at its start if it has
    /// not started. Returns false when it has already finished.
    @discardableResult
    public func interrupt(_ id: LuaCallID) -> Bool {
        calls.withLock { c in
            if c.running && c.runningID == id {
                Self.raise(c)
                return true
            }
            guard id.value > c.lastStarted else { return false }
            c.stopped.insert(id)
            return true
        }
    }

    /// Takes over the calls `other` was asked to stop before they started
    /// (a host that replaces its state hands the waiting calls to the new one).
    public func inheritPending(from other: LuaInterrupter) {
        let pending = other.calls.withLock { $0.stopped }
        calls.withLock { $0.stopped.formUnion(pending) }
    }

    private static func raise(_ c: Calls) {
        if let a = c.address, let L = OpaquePointer(bitPattern: a) { ppm_lua_interrupt(L) }
    }

    private static func clear(_ c: Calls) {
        if let a = c.address, let L = OpaquePointer(bitPattern: a) { ppm_lua_clear_interrupt(L) }
    }

    /// An outer call starts; false if it was interrupted before.
    func begin(_ id: LuaCallID?) -> Bool {
        calls.withLock { c in
            Self.clear(c)
            if let id {
                c.lastStarted = max(c.lastStarted, id.value)
                let wasStopped = c.stopped.contains(id)
                // Earlier IDs that never started (a chunk that did not compile) are done too.
                c.stopped = c.stopped.filter { $0.value > id.value }
                if wasStopped { return false }
            }
            c.running = true
            c.runningID = id
            return true
        }
    }

    /// The outer call ended: a late interrupt request is dropped.
    func end() {
        calls.withLock { c in
            c.running = false
            c.runningID = nil
            Self.clear(c)
        }
    }

    func invalidate() { calls.withLock { $0.address = nil } }
}
