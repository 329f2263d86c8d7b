#ifndef PPM_SHIM_INTERNAL_H
#define PPM_SHIM_INTERNAL_H

#include "CLuaShim.h"

/* Raises "time budget exceeded" or "interrupted" when the running outer
 * call must stop (as the watchdog hook does); returns otherwise. For C
 * functions that may run long (the pattern matcher). */
void ppm_lua_check_budget(lua_State *L);

/* Replaces string.find/match/gmatch/gsub with matchers that call
 * ppm_lua_check_budget as they go. */
void ppm_lua_install_bounded_patterns(lua_State *L);

/* Calls the standard function that is upvalue 1 of the running wrapper,
 * in the wrapper's own frame (same error positions and names). */
int ppm_lua_call_standard(lua_State *L);

/* Wrappers (sandbox_files.c) for functions that open a file: refuse one
 * whose opening or reading could block the thread. Upvalue 1: the standard
 * function (for the searcher: the standard Lua-file searcher). */
int ppm_lua_safe_open(lua_State *L);
int ppm_lua_safe_searchpath(lua_State *L);
int ppm_lua_text_lua_searcher(lua_State *L);

#endif
