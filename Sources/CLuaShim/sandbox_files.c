/* Opening a FIFO blocks until the other end opens it, and reading a
 * terminal, a socket or a kernel log blocks until data comes: inside the
 * daemon's loop either would stall supervision with no budget able to stop
 * it. The functions that open a file by name check it first. */
#include "shim_internal.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#define PROC_FS_MAGIC 0x9fa0
#define DEBUG_FS_MAGIC 0x64626720
#define TRACE_FS_MAGIC 0x74726163

/* Why opening or reading `path` could block, or NULL: a FIFO, a socket, a
 * character device other than the memory devices (/dev/null, zero, full,
 * random, urandom), /proc/kmsg, or a file of debugfs or tracefs (trace_pipe). */
static const char *blocking_kind(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return NULL;
    if (S_ISFIFO(st.st_mode)) return "a FIFO";
    if (S_ISSOCK(st.st_mode)) return "a socket";
    if (S_ISCHR(st.st_mode)) {
        unsigned minor_number = minor(st.st_rdev);
        int memory = major(st.st_rdev) == 1 && (minor_number == 3 || minor_number == 5 || minor_number == 7 ||
                                                minor_number == 8 || minor_number == 9);
        return memory ? NULL : "a character device";
    }
    if (S_ISREG(st.st_mode)) {
        struct statfs fs;
        if (statfs(path, &fs) != 0) return NULL;
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (fs.f_type == PROC_FS_MAGIC && strcmp(base, "kmsg") == 0) return "the kernel log";
        if (fs.f_type == DEBUG_FS_MAGIC || fs.f_type == TRACE_FS_MAGIC) return "a debugfs or tracefs file";
    }
    return NULL;
}

static int refuse(lua_State *L, const char *path, const char *kind) {
    return luaL_error(L, "%s is %s: opening or reading it could block the daemon "
                         "(use ppm.spawn for commands that read such files)", path, kind);
}

int ppm_lua_safe_open(lua_State *L) {
    if (lua_type(L, 1) == LUA_TSTRING) {
        const char *path = lua_tostring(L, 1);
        const char *kind = blocking_kind(path);
        if (kind) return refuse(L, path, kind);
    }
    return ppm_lua_call_standard(L);
}

/* Checks every file a search over `templates` (package.path's form) would
 * try for `name`, before the standard search opens them. */
static void check_search(lua_State *L, const char *name, const char *templates, const char *sep, const char *rep) {
    luaL_Buffer b;
    const char *file = name;
    if (*sep != '\0' && strchr(name, *sep)) file = luaL_gsub(L, name, sep, rep);
    luaL_buffinit(L, &b);
    luaL_addgsub(&b, templates, "?", file);
    luaL_pushresult(&b);
    const char *paths = lua_tostring(L, -1);
    while (*paths) {
        const char *end = strchr(paths, ';');
        size_t len = end ? (size_t)(end - paths) : strlen(paths);
        if (len > 0 && len < 4096) {
            char path[4096];
            memcpy(path, paths, len);
            path[len] = '\0';
            const char *kind = blocking_kind(path);
            if (kind) refuse(L, path, kind);
        }
        paths += end ? len + 1 : len;
    }
    lua_pop(L, file != name ? 2 : 1);
}

int ppm_lua_safe_searchpath(lua_State *L) {
    if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
        const char *sep = luaL_optstring(L, 3, ".");
        const char *rep = luaL_optstring(L, 4, "/");
        check_search(L, lua_tostring(L, 1), lua_tostring(L, 2), sep, rep);
    }
    return ppm_lua_call_standard(L);
}

int ppm_lua_safe_lua_searcher(lua_State *L) {
    if (lua_type(L, 1) == LUA_TSTRING) {
        /* The standard searcher's upvalue is the package table it reads. */
        if (lua_getupvalue(L, lua_upvalueindex(1), 1) && lua_type(L, -1) == LUA_TTABLE &&
            lua_getfield(L, -1, "path") == LUA_TSTRING)
            check_search(L, lua_tostring(L, 1), lua_tostring(L, -1), ".", "/");
        lua_settop(L, 1);
    }
    /* The standard searcher uses its own upvalue: call it as a function. */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}
