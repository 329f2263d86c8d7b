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

#endif
