#include "shim_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How many VM instructions run between two watchdog checks. */
#define PPM_HOOK_COUNT 1000

typedef struct ppm_lua_ctl {
    size_t used;
    size_t limit;
    int cap_enabled;        /* the limit applies only while Lua code runs */
    int depth;              /* nesting of ppm_lua_pcall */
    double deadline;        /* CLOCK_MONOTONIC seconds; 0: none */
    int fault;              /* enum ppm_lua_fault of the current outer call */
    int refused;            /* an allocation was refused during it */
    atomic_int interrupt;   /* set from any thread */
    void *host;
    ppm_lua_dispatch_fn dispatch;
    char where[256];        /* "source:line" last seen while memory ran high */
} ppm_lua_ctl;

static ppm_lua_ctl *ctl_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (ppm_lua_ctl *)ud;
}

static void watchdog(lua_State *L, lua_Debug *ar);

static double monotonic_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    ppm_lua_ctl *c = (ppm_lua_ctl *)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        c->used -= old;
        return NULL;
    }
    if (nsize > old && c->cap_enabled && c->used - old + nsize > c->limit) {
        c->refused = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) return NULL;
    c->used = c->used - old + nsize;
    return p;
}

static int panic_handler(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "ppm-lua: unprotected Lua error: %s\n", msg ? msg : "?");
    abort();
}

/* Past half the memory cap, the watchdog notes where Lua runs (and checks
 * ten times as often), so that a memory error can name the line that ate
 * the memory: the allocator itself cannot look at the stack. */
static void watchdog(lua_State *L, lua_Debug *ar);

static void note_position(lua_State *L, ppm_lua_ctl *c) {
    lua_Debug ar;
    if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        snprintf(c->where, sizeof c->where, "%s:%d", ar.short_src, ar.currentline);
    lua_sethook(L, watchdog, LUA_MASKCOUNT, PPM_HOOK_COUNT / 10);
}

/* Stops the running outer call once its deadline passed or it was
 * interrupted. Once a call has stopped, the hook fires on every
 * instruction and raises again, so that a pcall in user code cannot
 * swallow the stop: the next instruction outside it raises too. */
void ppm_lua_check_budget(lua_State *L) {
    ppm_lua_ctl *c = ctl_of(L);
    if (c->depth == 0) return;
    if (c->cap_enabled && c->used > c->limit / 2) note_position(L, c);
    if (c->fault == PPM_FAULT_NONE) {
        if (atomic_load(&c->interrupt)) {
            c->fault = PPM_FAULT_INTERRUPT;
        } else if (c->deadline > 0 && monotonic_now() >= c->deadline) {
            c->fault = PPM_FAULT_TIMEOUT;
        }
    }
    if (c->fault == PPM_FAULT_TIMEOUT || c->fault == PPM_FAULT_INTERRUPT) {
        lua_sethook(L, watchdog, LUA_MASKCOUNT, 1);
        lua_pushstring(L, c->fault == PPM_FAULT_TIMEOUT ? "time budget exceeded" : "interrupted");
        lua_error(L);
    }
}

/* The watchdog: a count hook. */
static void watchdog(lua_State *L, lua_Debug *ar) {
    (void)ar;
    ppm_lua_check_budget(L);
}

static int traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* xpcall's message handler runs with hooks off when the error came from the
 * watchdog (Lua disables hooks while one runs), so a looping handler could
 * never be stopped. This xpcall hands a watchdog stop straight through and
 * calls the user's handler only for ordinary errors. */
static int guarded_handler(lua_State *L) {
    if (ctl_of(L)->fault != PPM_FAULT_NONE) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int xpcall_results(lua_State *L, int status, lua_KContext below) {
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;                      /* false, message */
    }
    return lua_gettop(L) - (int)below; /* true, results... */
}

static int guarded_xpcall(lua_State *L) {
    int nargs = lua_gettop(L) - 2;
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);                 /* f, handler, args... */
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);               /* f, handler, true, f, args... */
    int status = lua_pcallk(L, nargs, LUA_MULTRET, 2, 2, xpcall_results);
    return xpcall_results(L, status, 2);
}

lua_State *ppm_lua_newstate(size_t memory_limit, void *host, ppm_lua_dispatch_fn dispatch) {
    ppm_lua_ctl *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->limit = memory_limit;
    c->host = host;
    c->dispatch = dispatch;
    atomic_init(&c->interrupt, 0);
    lua_State *L = lua_newstate(capped_alloc, c);
    if (L == NULL) {
        free(c);
        return NULL;
    }
    lua_atpanic(L, panic_handler);
    luaL_openlibs(L);
    ppm_lua_install_bounded_patterns(L);
    lua_pushcfunction(L, guarded_xpcall);
    lua_setglobal(L, "xpcall");
    lua_sethook(L, watchdog, LUA_MASKCOUNT, PPM_HOOK_COUNT);
    return L;
}

void ppm_lua_close(lua_State *L) {
    ppm_lua_ctl *c = ctl_of(L);
    lua_close(L);
    free(c);
}

void ppm_lua_set_host(lua_State *L, void *host) { ctl_of(L)->host = host; }

void ppm_lua_set_memory_limit(lua_State *L, size_t limit) { ctl_of(L)->limit = limit; }
size_t ppm_lua_memory_used(lua_State *L) { return ctl_of(L)->used; }

int ppm_lua_pcall(lua_State *L, int nargs, int nresults, double budget) {
    ppm_lua_ctl *c = ctl_of(L);
    int base = lua_gettop(L) - nargs;
    int outer = c->depth == 0;
    lua_pushcfunction(L, traceback_handler);
    lua_insert(L, base);
    if (outer) {
        c->fault = PPM_FAULT_NONE;
        c->refused = 0;
        c->deadline = budget > 0 ? monotonic_now() + budget : 0;
        c->where[0] = 0;
        ppm_stall_guard_arm(budget);
    }
    int saved_cap = c->cap_enabled;
    c->cap_enabled = 1;
    c->depth++;
    int status = lua_pcall(L, nargs, nresults, base);
    c->depth--;
    c->cap_enabled = saved_cap;
    lua_remove(L, base);
    if (outer) {
        ppm_stall_guard_disarm();
        if (status != LUA_OK && c->fault == PPM_FAULT_NONE && c->refused) {
            if (status == LUA_ERRMEM) c->fault = PPM_FAULT_MEMORY;
            else {
                const char *m = lua_tostring(L, -1);
                if (m && strstr(m, "not enough memory")) c->fault = PPM_FAULT_MEMORY;
            }
        }
        c->deadline = 0;
        lua_sethook(L, watchdog, LUA_MASKCOUNT, PPM_HOOK_COUNT);
    }
    return status;
}

int ppm_lua_resume(lua_State *L, lua_State *co, int nargs, int *nresults, double budget) {
    ppm_lua_ctl *c = ctl_of(L);
    int outer = c->depth == 0;
    if (outer) {
        c->fault = PPM_FAULT_NONE;
        c->refused = 0;
        c->deadline = budget > 0 ? monotonic_now() + budget : 0;
        c->where[0] = 0;
        ppm_stall_guard_arm(budget);
    }
    lua_sethook(co, watchdog, LUA_MASKCOUNT, PPM_HOOK_COUNT);
    int saved_cap = c->cap_enabled;
    c->cap_enabled = 1;
    c->depth++;
    int status = lua_resume(co, L, nargs, nresults);
    c->depth--;
    c->cap_enabled = saved_cap;
    if (status != LUA_OK && status != LUA_YIELD) {
        const char *msg = lua_tostring(co, -1);
        if (msg == NULL) msg = lua_pushfstring(co, "(error object is a %s value)", luaL_typename(co, -1));
        luaL_traceback(co, co, msg, 0);
        *nresults = 1;
    }
    if (outer) {
        ppm_stall_guard_disarm();
        if (status != LUA_OK && status != LUA_YIELD && c->fault == PPM_FAULT_NONE && c->refused) {
            if (status == LUA_ERRMEM) c->fault = PPM_FAULT_MEMORY;
            else {
                const char *m = lua_tostring(co, -1);
                if (m && strstr(m, "not enough memory")) c->fault = PPM_FAULT_MEMORY;
            }
        }
        c->deadline = 0;
        lua_sethook(L, watchdog, LUA_MASKCOUNT, PPM_HOOK_COUNT);
    }
    return status;
}

int ppm_lua_last_fault(lua_State *L) { return ctl_of(L)->fault; }

const char *ppm_lua_fault_position(lua_State *L) { return ctl_of(L)->where; }

const char *ppm_lua_caller_position(lua_State *L, char *buf, size_t len) {
    lua_Debug ar;
    buf[0] = 0;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        snprintf(buf, len, "%s:%d", ar.short_src, ar.currentline);
    return buf;
}

void ppm_lua_interrupt(lua_State *L) { atomic_store(&ctl_of(L)->interrupt, 1); }

void ppm_lua_clear_interrupt(lua_State *L) { atomic_store(&ctl_of(L)->interrupt, 0); }

int ppm_lua_load(lua_State *L, const void *buf, size_t len, const char *chunkname) {
    return luaL_loadbufferx(L, buf ? (const char *)buf : "", len, chunkname, "t");
}

int ppm_lua_chunk_status(lua_State *L, const void *buf, size_t len) {
    int status = luaL_loadbufferx(L, buf ? (const char *)buf : "", len, "=chunk", "t");
    int result = 2;
    if (status == LUA_OK) {
        result = 0;
    } else if (status == LUA_ERRSYNTAX) {
        size_t n = 0;
        const char *msg = lua_tolstring(L, -1, &n);
        const char *mark = "<eof>";
        size_t m = strlen(mark);
        if (msg && n >= m && strcmp(msg + n - m, mark) == 0) result = 1;
    }
    lua_pop(L, 1);
    return result;
}

static int host_trampoline(lua_State *L) {
    ppm_lua_ctl *c = ctl_of(L);
    int index = (int)lua_tointeger(L, lua_upvalueindex(1));
    int saved_cap = c->cap_enabled;
    c->cap_enabled = 0; /* host pushes never fail on the cap */
    int n = c->dispatch(c->host, L, index);
    c->cap_enabled = saved_cap;
    if (n == PPM_HOST_YIELD) {
        /* Suspends the coroutine: the values it is resumed with become
         * this call's results. */
        return lua_yield(L, 0);
    }
    if (n == PPM_HOST_ERROR) {
        /* The Swift frame has returned: raising is safe now. */
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    return n;
}

void ppm_lua_push_host_function(lua_State *L, int index) {
    lua_pushinteger(L, index);
    lua_pushcclosure(L, host_trampoline, 1);
}

int ppm_lua_registryindex(void) { return LUA_REGISTRYINDEX; }
void ppm_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
void ppm_lua_remove(lua_State *L, int idx) { lua_remove(L, idx); }
void ppm_lua_insert(lua_State *L, int idx) { lua_insert(L, idx); }
void ppm_lua_push_globals(lua_State *L) { lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS); }

void ppm_lua_pushbytes(lua_State *L, const void *buf, size_t len) {
    lua_pushlstring(L, buf ? (const char *)buf : "", len);
}

void ppm_lua_collect(lua_State *L) { lua_gc(L, LUA_GCCOLLECT, 0); }

void ppm_lua_push_stock_patterns(lua_State *L) {
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);           /* "", the string metatable */
    lua_pushcfunction(L, luaopen_string);
    lua_call(L, 0, 1);                 /* "", metatable, stock library */
    lua_insert(L, -3);                 /* stock, "", metatable */
    lua_setmetatable(L, -2);           /* luaopen_string replaced it: put it back */
    lua_pop(L, 1);
}
