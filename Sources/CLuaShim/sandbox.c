/* Standard functions that could let Lua code escape the time budget, made
 * safe for a long-running host. Each wrapper is a C closure whose upvalue
 * is the standard function: it checks its arguments, then calls the
 * standard function in its own frame (same error positions and names). */
#include "shim_internal.h"

#include <string.h>

/* How many table elements a loop moves between two budget checks. */
#define PPM_TABLE_CHECK 0xFFF
/* table.sort refuses more elements than this when they come through
 * metamethods (a C __index can make a table look as large as 2^31). */
#define PPM_SORT_VIRTUAL_MAX (1 << 20)

int ppm_lua_call_standard(lua_State *L) {
    lua_CFunction standard = lua_tocfunction(L, lua_upvalueindex(1));
    return standard(L);
}

/* setmetatable: a metatable with a __gc field is refused, since Lua runs
 * finalizers with hooks off (a looping one would hang the daemon). */
static int safe_setmetatable(lua_State *L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int has_gc = lua_rawget(L, 2) != LUA_TNIL;
        lua_pop(L, 1);
        if (has_gc)
            return luaL_error(L, "setmetatable: __gc is refused (a finalizer runs outside the time budget "
                                 "and could hang the daemon); close resources explicitly or with a <close> variable");
    }
    return ppm_lua_call_standard(L);
}

/* collectgarbage: only the options that leave the collector running. */
static int safe_collectgarbage(lua_State *L) {
    static const char *const allowed[] = {"collect", "count", "step", "isrunning", NULL};
    const char *option = luaL_optstring(L, 1, "collect");
    for (int i = 0; allowed[i]; i++)
        if (strcmp(option, allowed[i]) == 0) return ppm_lua_call_standard(L);
    return luaL_error(L, "collectgarbage('%s') is refused: the daemon runs the collector "
                         "(allowed: collect, count, step, isrunning)", option);
}

/* string.rep: n copies of an empty string would loop n times. */
static int safe_rep(lua_State *L) {
    size_t len, seplen;
    luaL_checklstring(L, 1, &len);
    luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &seplen);
    if (len + seplen == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    return ppm_lua_call_standard(L);
}

/* debug.getinfo without `func`: a user function called by a standard C
 * function (a gsub replacement, a metamethod) could take that function
 * from the stack and call it unwrapped. */
static int safe_getinfo(lua_State *L) {
    int n = ppm_lua_call_standard(L);
    if (n == 1 && lua_type(L, -1) == LUA_TTABLE) {
        lua_pushnil(L);
        lua_setfield(L, -2, "func");
    }
    return n;
}

/* table.sort of a table whose elements come through metamethods. */
static int safe_sort(lua_State *L) {
    if (lua_getmetatable(L, 1)) {
        lua_pushliteral(L, "__len");
        int virtual_len = lua_rawget(L, -2) != LUA_TNIL;
        lua_pushliteral(L, "__index");
        int virtual_items = lua_rawget(L, -3) != LUA_TNIL;
        lua_pop(L, 3);
        if (virtual_len || virtual_items) {
            lua_Integer n = luaL_len(L, 1);
            if (n > PPM_SORT_VIRTUAL_MAX)
                return luaL_error(L, "table.sort: %I elements reached through metamethods are refused "
                                     "(more than %d); copy them into a plain table first", (LUAI_UACINT)n, PPM_SORT_VIRTUAL_MAX);
        }
    }
    return ppm_lua_call_standard(L);
}

/* What a table argument must allow when it is not a table. */
enum { NEED_READ = 1, NEED_WRITE = 2, NEED_LEN = 4 };

static int has_field(lua_State *L, const char *key, int meta) {
    lua_pushstring(L, key);
    int present = lua_rawget(L, meta) != LUA_TNIL;
    lua_pop(L, 1);
    return present;
}

static void check_table(lua_State *L, int arg, int needs) {
    if (lua_type(L, arg) == LUA_TTABLE) return;
    if (lua_getmetatable(L, arg)) {
        int meta = lua_gettop(L);
        int ok = (!(needs & NEED_READ) || has_field(L, "__index", meta)) &&
                 (!(needs & NEED_WRITE) || has_field(L, "__newindex", meta)) &&
                 (!(needs & NEED_LEN) || has_field(L, "__len", meta));
        lua_pop(L, 1);
        if (ok) return;
    }
    luaL_checktype(L, arg, LUA_TTABLE);
}

static void tick(lua_State *L, lua_Integer i) {
    if ((i & PPM_TABLE_CHECK) == 0) ppm_lua_check_budget(L);
}

/* table.insert, table.remove and table.move loop in C over a length that
 * a __len metamethod or the arguments choose: these versions check the
 * budget as they go. Results and errors are those of Lua's own. */
static int safe_insert(lua_State *L) {
    check_table(L, 1, NEED_READ | NEED_WRITE | NEED_LEN);
    lua_Integer end = luaL_len(L, 1) + 1;
    lua_Integer pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = end;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)end, 2, "position out of bounds");
        for (lua_Integer i = end; i > pos; i--) {
            tick(L, end - i);
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int safe_remove(lua_State *L) {
    check_table(L, 1, NEED_READ | NEED_WRITE | NEED_LEN);
    lua_Integer size = luaL_len(L, 1);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    lua_geti(L, 1, pos);
    for (lua_Integer i = 0; pos < size; pos++, i++) {
        tick(L, i);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static int safe_move(lua_State *L) {
    lua_Integer from = luaL_checkinteger(L, 2);
    lua_Integer last = luaL_checkinteger(L, 3);
    lua_Integer to = luaL_checkinteger(L, 4);
    int dest = lua_isnoneornil(L, 5) ? 1 : 5;
    check_table(L, 1, NEED_READ);
    check_table(L, dest, NEED_WRITE);
    if (last >= from) {
        luaL_argcheck(L, from > 0 || last < LUA_MAXINTEGER + from, 3, "too many elements to move");
        lua_Integer n = last - from + 1;
        luaL_argcheck(L, to <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        int forward = to > last || to <= from || (dest != 1 && !lua_compare(L, 1, dest, LUA_OPEQ));
        for (lua_Integer k = 0; k < n; k++) {
            tick(L, k);
            lua_Integer i = forward ? k : n - 1 - k;
            lua_geti(L, 1, from + i);
            lua_seti(L, dest, to + i);
        }
    }
    lua_pushvalue(L, dest);
    return 1;
}

/* Each replaced function: the library (NULL: the globals), its name, and
 * the replacement; a wrapper gets the standard function as upvalue 1. */
static const struct {
    const char *library;
    const char *name;
    lua_CFunction function;
    int wraps_standard;
} replacements[] = {
    {NULL, "setmetatable", safe_setmetatable, 1},
    {NULL, "collectgarbage", safe_collectgarbage, 1},
    {NULL, "loadfile", ppm_lua_safe_open, 1},
    {NULL, "dofile", ppm_lua_safe_open, 1},
    {"io", "open", ppm_lua_safe_open, 1},
    {"io", "lines", ppm_lua_safe_open, 1},
    {"io", "input", ppm_lua_safe_open, 1},
    {"io", "output", ppm_lua_safe_open, 1},
    {"package", "searchpath", ppm_lua_safe_searchpath, 1},
    {"string", "rep", safe_rep, 1},
    {"table", "sort", safe_sort, 1},
    {"table", "insert", safe_insert, 0},
    {"table", "remove", safe_remove, 0},
    {"table", "move", safe_move, 0},
};

void ppm_lua_close_sandbox_holes(lua_State *L) {
    for (size_t i = 0; i < sizeof replacements / sizeof replacements[0]; i++) {
        if (replacements[i].library) lua_getglobal(L, replacements[i].library);
        else lua_pushglobaltable(L);
        if (replacements[i].wraps_standard) {
            lua_getfield(L, -1, replacements[i].name);
            lua_pushcclosure(L, replacements[i].function, 1);
        } else {
            lua_pushcfunction(L, replacements[i].function);
        }
        lua_setfield(L, -2, replacements[i].name);
        lua_pop(L, 1);
    }

    /* debug keeps traceback and getinfo (without `func`): the rest could
     * read or replace the upvalues that hold the standard functions, set
     * metatables with __gc, or reach the registry. */
    lua_getglobal(L, "debug");
    lua_createtable(L, 0, 2);
    lua_getfield(L, -2, "traceback");
    lua_setfield(L, -2, "traceback");
    lua_getfield(L, -2, "getinfo");
    lua_pushcclosure(L, safe_getinfo, 1);
    lua_setfield(L, -2, "getinfo");
    lua_pushvalue(L, -1);
    lua_setglobal(L, "debug");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "debug");
    lua_pop(L, 3);

    /* Open files' metatable: its __gc must stay io's own. */
    lua_getglobal(L, "io");
    lua_getfield(L, -1, "stdout");
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "FILE* (protected metatable)");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 2);

    /* `require`: the Lua-file searcher checks the files it would open and
     * loads text only (no precompiled chunks: a crafted one crashes the VM),
     * and no C modules (their code would run outside the budget). */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchers");
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, ppm_lua_text_lua_searcher, 1);
    lua_rawseti(L, -2, 2);
    lua_pop(L, 1);
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "cpath");
    lua_getfield(L, -1, "searchers");
    for (lua_Integer i = luaL_len(L, -1); i >= 3; i--) {
        lua_pushnil(L);
        lua_rawseti(L, -2, i);
    }
    lua_pop(L, 2);
}
