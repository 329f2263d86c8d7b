/* Opening a FIFO blocks until the other end opens it, and reading a
 * terminal, a socket or a kernel log blocks until data comes: inside the
 * daemon's loop either would stall supervision with no budget able to stop
 * it. The functions that open a file by name check it first. */
#include "shim_internal.h"

#include <stdio.h>
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

/* `require`'s Lua-file searcher (package.searchers[2]), in place of the
 * standard one, which loads precompiled chunks too (luaL_loadfilex with mode
 * NULL): a crafted binary chunk crashes the VM. Same search as the standard
 * one over package.path (upvalue 1 is the package table), each candidate
 * checked by blocking_kind first; the file found is loaded as text only. */
int ppm_lua_text_lua_searcher(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    lua_getfield(L, lua_upvalueindex(1), "path");
    const char *templates = lua_tostring(L, -1);
    if (templates == NULL) return luaL_error(L, "'package.path' must be a string");
    check_search(L, name, templates, ".", "/");
    const char *file = strchr(name, '.') ? luaL_gsub(L, name, ".", "/") : name;
    luaL_Buffer tried;  /* "no file 'a'\n\tno file 'b'", as the standard searcher says */
    int tries = 0;
    luaL_buffinit(L, &tried);
    for (const char *paths = templates; *paths;) {
        const char *end = strchr(paths, ';');
        size_t len = end ? (size_t)(end - paths) : strlen(paths);
        if (len > 0 && len < 4096) {
            char pattern[4096];
            memcpy(pattern, paths, len);
            pattern[len] = '\0';
            /* A copy: the buffer below needs the stack as it left it. */
            char path[4096];
            snprintf(path, sizeof path, "%s", luaL_gsub(L, pattern, "?", file));
            lua_pop(L, 1);
            FILE *f = fopen(path, "r");
            if (f) {
                fclose(f);
                if (luaL_loadfilex(L, path, "t") != LUA_OK)
                    return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, path, lua_tostring(L, -1));
                lua_pushstring(L, path);
                return 2;
            }
            luaL_addstring(&tried, tries++ ? "\n\tno file '" : "no file '");
            luaL_addstring(&tried, path);
            luaL_addstring(&tried, "'");
        }
        paths += end ? len + 1 : len;
    }
    luaL_pushresult(&tried);
    return 1;
}
