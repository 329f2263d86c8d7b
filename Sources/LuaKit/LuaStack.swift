import CLua
import CLuaShim

/// Moves values between Swift and one Lua thread's stack without ever
/// raising a Lua error: reads use raw access and type checks, and pushes run
/// with the memory cap lifted (only Lua code is held to it).
struct LuaStack {
    let L: OpaquePointer
    unowned let state: LuaState

    init(_ L: OpaquePointer, state: LuaState) {
        self.L = L
        self.state = state
    }

    /// How deep nested tables may go when copied into Swift.
    static let maxDepth = 100

    func push(_ value: LuaValue) {
        switch value {
        case .nil: lua_pushnil(L)
        case .boolean(let b): lua_pushboolean(L, b ? 1 : 0)
        case .integer(let i): lua_pushinteger(L, lua_Integer(i))
        case .number(let d): lua_pushnumber(L, d)
        case .string(let s):
            var s = s
            s.withUTF8 { ppm_lua_pushbytes(L, $0.baseAddress, $0.count) }
        case .bytes(let b):
            b.withUnsafeBufferPointer { ppm_lua_pushbytes(L, $0.baseAddress, $0.count) }
        case .table(let t):
            _ = lua_checkstack(L, 4)
            let seq = t.sequence.count
            lua_createtable(L, Int32(clamping: seq), Int32(clamping: t.entries.count - seq))
            for (k, v) in t.entries {
                if k == .nil || v == .nil { continue }
                if case .number(let d) = k, d.isNaN { continue }
                push(k)
                push(v)
                lua_rawset(L, -3)
            }
        case .function(let ref), .opaque(let ref):
            if ref.state === state {
                lua_rawgeti(L, ppm_lua_registryindex(), lua_Integer(ref.ref))
            } else {
                lua_pushnil(L)
            }
        }
    }

    /// Copies the value at `index`. Tables are copied deeply; a table that
    /// contains itself is an error rather than an endless copy.
    func value(at index: Int32) throws -> LuaValue {
        var path: Set<UnsafeRawPointer> = []
        let top = lua_gettop(L)
        do {
            return try value(at: lua_absindex(L, index), path: &path)
        } catch {
            lua_settop(L, top)
            throw error
        }
    }

    private func value(at index: Int32, path: inout Set<UnsafeRawPointer>) throws -> LuaValue {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE:
            return .nil
        case LUA_TBOOLEAN:
            return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { return .integer(Int64(lua_tointegerx(L, index, nil))) }
            return .number(lua_tonumberx(L, index, nil))
        case LUA_TSTRING:
            var len = 0
            let p = lua_tolstring(L, index, &len)
            let bytes = UnsafeRawBufferPointer(start: p, count: len)
            if let s = String(validating: bytes, as: UTF8.self) { return .string(s) }
            return .bytes(Array(bytes))
        case LUA_TTABLE:
            return .table(try table(at: index, path: &path))
        case LUA_TFUNCTION:
            lua_pushvalue(L, index)
            return .function(state.makeRef(L))
        default:
            lua_pushvalue(L, index)
            return .opaque(state.makeRef(L))
        }
    }

    private func table(at index: Int32, path: inout Set<UnsafeRawPointer>) throws -> LuaTable {
        guard let id = lua_topointer(L, index) else { return LuaTable() }
        guard !path.contains(id) else { throw LuaError.conversion("cannot copy a table that contains itself") }
        guard path.count < Self.maxDepth else {
            throw LuaError.conversion("tables nested deeper than \(Self.maxDepth) levels")
        }
        guard lua_checkstack(L, 4) != 0 else { throw LuaError.conversion("Lua stack overflow") }
        path.insert(id)
        defer { path.remove(id) }
        var entries: [LuaValue: LuaValue] = [:]
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            let key = try value(at: lua_gettop(L) - 1, path: &path)
            let val = try value(at: lua_gettop(L), path: &path)
            entries[key] = val
            ppm_lua_pop(L, 1)
        }
        return LuaTable(entries)
    }
}
