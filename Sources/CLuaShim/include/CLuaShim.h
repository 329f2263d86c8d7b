#ifndef PPM_CLUASHIM_H
#define PPM_CLUASHIM_H

#include <stddef.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/// Called by the host-function trampoline. Returns the number of results it
/// pushed, or PPM_HOST_ERROR with a message on top of the stack (the
/// trampoline then raises it, after the Swift frame has returned).
typedef int (*ppm_lua_dispatch_fn)(void *host, lua_State *L, int index);

#define PPM_HOST_ERROR (-1)
/// Returned by the dispatch function to suspend the running coroutine (the
/// trampoline yields, after the Swift frame has returned).
#define PPM_HOST_YIELD (-2)

/// What ended the last outermost protected call, beyond an ordinary error.
enum ppm_lua_fault {
    PPM_FAULT_NONE = 0,
    PPM_FAULT_TIMEOUT = 1,
    PPM_FAULT_INTERRUPT = 2,
    PPM_FAULT_MEMORY = 3,
};

/// Creates a state with the capped allocator, the watchdog hook and the
/// standard libraries. `host` and `dispatch` serve host functions.
lua_State *ppm_lua_newstate(size_t memory_limit, void *host, ppm_lua_dispatch_fn dispatch);
void ppm_lua_close(lua_State *L);
/// Sets the pointer handed to the dispatch function.
void ppm_lua_set_host(lua_State *L, void *host);

void ppm_lua_set_memory_limit(lua_State *L, size_t limit);
size_t ppm_lua_memory_used(lua_State *L);

/// Protected call of the function below `nargs` arguments, with a traceback
/// message handler and, for the outermost call, a deadline `budget` seconds
/// away (0: none). Returns a lua status code.
int ppm_lua_pcall(lua_State *L, int nargs, int nresults, double budget);

/// Resumes the coroutine `co` (a thread of `L`) with the `nargs` values on
/// top of its stack, under the same budget, fault tracking and memory cap
/// as `ppm_lua_pcall` (the budget covers this resume only). Returns
/// LUA_YIELD, LUA_OK (`*nresults` results on `co`'s stack) or an error
/// status with "message\nstack traceback:..." on top of `co`'s stack.
int ppm_lua_resume(lua_State *L, lua_State *co, int nargs, int *nresults, double budget);

/// Called on the watchdog's own thread when a loop turn or an outermost Lua
/// call (`lua` nonzero) ran past its hard limit (`seconds`).
typedef void (*ppm_stall_handler)(double seconds, int lua);

/// Installs the last-resort watchdog (stallguard.c): every loop turn may run
/// at most `fixed_seconds` (0: 10 s), every outermost Lua call as long (0:
/// ten times its budget, at least 10 s).
int ppm_stall_guard_install(ppm_stall_handler handler, double fixed_seconds);
/// Around an outermost Lua call (shim.c).
void ppm_stall_guard_arm(double budget);
void ppm_stall_guard_disarm(void);
/// Around a turn of the loop: no system call unless the timer is off.
void ppm_stall_guard_turn_begin(void);
void ppm_stall_guard_turn_end(void);
/// Lets the running turn take `seconds` more from now (a quit that waits for children).
void ppm_stall_guard_allow(double seconds);
/// The loop is about to block: with no span running, the timer goes off
/// (an idle daemon gets no wake-up from the guard).
void ppm_stall_guard_idle(void);
/// The fault of the last outermost call (enum ppm_lua_fault).
int ppm_lua_last_fault(lua_State *L);
/// "source:line" where Lua last ran while memory use was past half the cap
/// ("" if it never was) during the last outermost call.
const char *ppm_lua_fault_position(lua_State *L);
/// "source:line" of the Lua code that called the running C function ("" if
/// none), written to `buf`.
const char *ppm_lua_caller_position(lua_State *L, char *buf, size_t len);
/// Asks the running call to stop; safe from any thread. The request stays
/// until `ppm_lua_clear_interrupt` (the host clears it around each outer call).
void ppm_lua_interrupt(lua_State *L);
/// Withdraws an interrupt request.
void ppm_lua_clear_interrupt(lua_State *L);

/// Loads a text chunk (binary chunks are refused). Returns a lua status code.
int ppm_lua_load(lua_State *L, const void *buf, size_t len, const char *chunkname);
/// 0: the chunk compiles; 1: it is incomplete (more lines may finish it);
/// 2: it is a syntax error. Leaves the stack as it was.
int ppm_lua_chunk_status(lua_State *L, const void *buf, size_t len);

/// Pushes a C closure that dispatches to host function number `index`.
void ppm_lua_push_host_function(lua_State *L, int index);

/// Pushes `len` bytes as a string; `buf` may be NULL when `len` is 0.
void ppm_lua_pushbytes(lua_State *L, const void *buf, size_t len);
/// A full garbage collection.
void ppm_lua_collect(lua_State *L);

/// Closes what would let Lua code escape the time budget or hang the host:
/// `setmetatable` refuses `__gc`; `collectgarbage` keeps only collect,
/// count, step and isrunning; `string.rep` of empty strings, `table.insert`,
/// `table.remove`, `table.move` and `table.sort` cannot loop unbounded;
/// `debug` keeps only `traceback` and `getinfo` (without `func`); the
/// metatable of open files is protected; C modules cannot be loaded;
/// `io.open`, `io.lines`, `io.input`, `io.output`, `loadfile`, `dofile`,
/// `require` and `package.searchpath` refuse FIFOs, sockets, character
/// devices other than /dev/null, zero, full, random and urandom, /proc/kmsg
/// and debugfs/tracefs files (opening or reading them could block).
void ppm_lua_close_sandbox_holes(lua_State *L);

/// Pushes a table with Lua's own (unbounded) string library, for tests
/// that compare it with the bounded matcher. Never given to user code.
void ppm_lua_push_stock_patterns(lua_State *L);

/* Function-like macros of lua.h, as functions. */
int ppm_lua_registryindex(void);
void ppm_lua_pop(lua_State *L, int n);
void ppm_lua_remove(lua_State *L, int idx);
void ppm_lua_insert(lua_State *L, int idx);
void ppm_lua_push_globals(lua_State *L);

#endif
