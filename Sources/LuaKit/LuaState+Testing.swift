import CLua
import CLuaShim

extension LuaState {
    /// Sets global `name` to Lua's own string library, whose pattern
    /// functions have no step bound: only tests compare against it.
    func installStockStringLibrary(as name: String) {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        ppm_lua_push_stock_patterns(L)
        lua_setglobal(L, name)
    }
}
