import CLua
import CLuaShim

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
