import CLua
import CLuaShim
import Synchronization

/// A Lua value kept alive in the registry of a `LuaState`: a function, a
/// userdata or a thread. Released when the last Swift reference goes.
///
/// Confined, like its state, to the executor that owns the state.
public final class LuaRef: Hashable, @unchecked Sendable, CustomStringConvertible {
    let ref: Int32
    weak var state: LuaState?
    /// The Lua type name of the value.
    public let typeName: String
    /// The object's address inside Lua: two refs to one function share it.
    let identity: UnsafeRawPointer?

    init(ref: Int32, state: LuaState, typeName: String, identity: UnsafeRawPointer?) {
        self.ref = ref
        self.state = state
        self.typeName = typeName
        self.identity = identity
    }

    /// Whether both refs hold the same Lua object (`rawequal`), while
    /// both are alive.
    public func isSameObject(as other: LuaRef) -> Bool {
        identity != nil && identity == other.identity && state != nil && state === other.state
    }

    deinit {
        state?.unref(ref)
    }

    /// True while the state the value lives in is open.
    public var isAlive: Bool { state != nil }

    public static func == (a: LuaRef, b: LuaRef) -> Bool { a === b }
    public func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(self)) }
    public var description: String { "\(typeName): ref \(ref)" }
}

/// Stops the call running in a `LuaState` from any thread (Ctrl-C in a REPL).
public final class LuaInterrupter: @unchecked Sendable {
    /// The state's address as a number, nil once the state is closed.
    private let address = Mutex<UInt?>(nil)

    init(_ L: OpaquePointer) { address.withLock { $0 = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(L))) } }

    /// Makes the running call raise "interrupted" at its next instruction.
    /// A call that starts later is not affected.
    public func interrupt() {
        address.withLock { a in
            if let a, let L = OpaquePointer(bitPattern: a) { ppm_lua_interrupt(L) }
        }
    }

    func invalidate() { address.withLock { $0 = nil } }
}
