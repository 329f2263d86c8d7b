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

    init(ref: Int32, state: LuaState, typeName: String) {
        self.ref = ref
        self.state = state
        self.typeName = typeName
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
