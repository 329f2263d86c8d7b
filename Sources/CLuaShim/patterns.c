/* string.find, string.match, string.gmatch and string.gsub with the
 * semantics of Lua 5.4's patterns, written for this host so that a match
 * counts its steps and checks the watchdog (time budget, interrupt) every
 * PPM_STEP_CHECK steps. The standard matcher is a C function: the count
 * hook never fires inside it, so a pattern such as ".-.-.-b" against a long
 * subject would block the daemon for minutes. */
#include "pattern_matcher.h"

#include <ctype.h>
#include <string.h>

#define SPECIAL_CHARS "^$*+?.([%-"

/* A string.find/init position: 1-based, negative from the end. */
static size_t start_offset(lua_Integer pos, size_t len) {
    if (pos > 0) return (size_t)pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)len) return 1;
    return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++)
        if (p[i] != '\0' && strchr(SPECIAL_CHARS, p[i])) return 1;
    return 0;
}

/* A plain substring search that counts its comparisons. */
static const char *plain_find(matcher *m, const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    const char *last = s + (ls - lp);
    for (const char *at = s; at <= last; at++) {
        at = memchr(at, p[0], (size_t)(last - at) + 1);
        if (at == NULL) return NULL;
        pm_count_steps(m, lp);
        if (memcmp(at + 1, p + 1, lp - 1) == 0) return at;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls);
    if (init > ls + 1) {
        luaL_pushfail(L);
        return 1;
    }
    matcher m;
    pm_init(&m, L, s, ls, p, lp);
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *at = plain_find(&m, s + init - 1, ls - init + 1, p, lp);
        if (at) {
            lua_pushinteger(L, (at - s) + 1);
            lua_pushinteger(L, (at - s) + (lua_Integer)lp);
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    int anchored = lp > 0 && *p == '^';
    if (anchored) {
        p++;
        m.pattern_end = p + lp - 1;
    }
    const char *from = s + init - 1;
    do {
        pm_reset(&m);
        const char *e = pm_match(&m, from, p);
        if (e) {
            if (!find) return pm_push_captures(&m, from, e);
            lua_pushinteger(L, (from - s) + 1);
            lua_pushinteger(L, e - s);
            return pm_push_captures(&m, NULL, NULL) + 2;
        }
    } while (from++ < m.subject_end && !anchored);
    luaL_pushfail(L);
    return 1;
}

static int bounded_find(lua_State *L) { return find_or_match(L, 1); }
static int bounded_match(lua_State *L) { return find_or_match(L, 0); }

/* The iterator's state: offsets into the subject (upvalue 1). */
typedef struct {
    size_t next;
    ptrdiff_t last_end; /* -1: no match yet */
} iteration;

static int gmatch_step(lua_State *L) {
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    iteration *it = (iteration *)lua_touserdata(L, lua_upvalueindex(3));
    matcher m;
    pm_init(&m, L, s, ls, p, lp);
    for (const char *from = s + it->next; from <= m.subject_end; from++) {
        pm_reset(&m);
        const char *e = pm_match(&m, from, p);
        if (e && (e - s) != it->last_end) {
            it->next = (size_t)(e - s);
            it->last_end = e - s;
            return pm_push_captures(&m, from, e);
        }
    }
    it->next = ls + 1;
    return 0;
}

static int bounded_gmatch(lua_State *L) {
    size_t ls, lp;
    luaL_checklstring(L, 1, &ls);
    luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) init = ls + 1;
    lua_settop(L, 2);
    iteration *it = (iteration *)lua_newuserdatauv(L, sizeof *it, 0);
    it->next = init;
    it->last_end = -1;
    lua_pushcclosure(L, gmatch_step, 3);
    return 1;
}

/* Appends the replacement string (argument 3) with %0-%9 and %% expanded. */
static void append_template(matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    size_t len;
    const char *t = lua_tolstring(m->L, 3, &len);
    const char *t_end = t + len;
    while (t < t_end) {
        const char *esc = memchr(t, ESCAPE, (size_t)(t_end - t));
        if (esc == NULL) break;
        luaL_addlstring(b, t, (size_t)(esc - t));
        char c = esc[1];
        if (c == ESCAPE) {
            luaL_addchar(b, ESCAPE);
        } else if (c == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)c)) {
            const char *text;
            ptrdiff_t n = pm_capture_text(m, c - '1', s, e, &text);
            if (n == CAPTURE_POSITION) luaL_addvalue(b);
            else luaL_addlstring(b, text, (size_t)n);
        } else {
            luaL_error(m->L, "invalid use of '%c' in replacement string", ESCAPE);
        }
        t = esc + 2;
    }
    luaL_addlstring(b, t, (size_t)(t_end - t));
}

/* Appends what replaces the match s..e; returns whether it changed anything. */
static int append_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    if (kind == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = pm_push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (kind == LUA_TTABLE) {
        pm_push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        append_template(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int bounded_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int kind = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE, 3,
                     "string/function/table");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    int anchored = lp > 0 && *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    matcher m;
    pm_init(&m, L, s, ls, p, lp);
    const char *at = s, *last_end = NULL;
    lua_Integer count = 0;
    int changed = 0;
    while (count < max) {
        pm_reset(&m);
        const char *e = pm_match(&m, at, p);
        if (e && e != last_end) {
            count++;
            changed |= append_replacement(&m, &b, at, e, kind);
            at = last_end = e;
        } else if (at < m.subject_end) {
            luaL_addchar(&b, *at++);
        } else {
            break;
        }
        if (anchored) break;
    }
    if (changed) {
        luaL_addlstring(&b, at, (size_t)(m.subject_end - at));
        luaL_pushresult(&b);
    } else {
        lua_pushvalue(L, 1);
    }
    lua_pushinteger(L, count);
    return 2;
}

void ppm_lua_install_bounded_patterns(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"find", bounded_find}, {"match", bounded_match}, {"gmatch", bounded_gmatch}, {"gsub", bounded_gsub}, {NULL, NULL},
    };
    lua_getglobal(L, "string");
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 1);
}
