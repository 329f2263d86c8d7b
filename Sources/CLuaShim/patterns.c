/* string.find, string.match, string.gmatch and string.gsub with the
 * semantics of Lua 5.4's patterns, written for this host so that a match
 * counts its steps and checks the watchdog (time budget, interrupt) every
 * PPM_STEP_CHECK steps. The standard matcher is a C function: the count
 * hook never fires inside it, so a pattern such as ".-.-.-b" against a long
 * subject would block the daemon for minutes. */
#include "shim_internal.h"

#include <ctype.h>
#include <string.h>

#define PPM_MAX_CAPTURES 32
#define PPM_PATTERN_NESTING 200
#define PPM_STEP_CHECK 0x3FFF
#define CAPTURE_OPEN (-1)
#define CAPTURE_POSITION (-2)
#define ESCAPE '%'
#define SPECIAL_CHARS "^$*+?.([%-"

typedef struct {
    const char *start;
    ptrdiff_t len; /* CAPTURE_OPEN, CAPTURE_POSITION or a length */
} capture;

typedef struct {
    lua_State *L;
    const char *subject, *subject_end;
    const char *pattern_end;
    int nesting_left;
    unsigned long steps;
    int ncaptures;
    capture captures[PPM_MAX_CAPTURES];
} matcher;

static void count_steps(matcher *m, size_t n) {
    unsigned long before = m->steps;
    m->steps += n;
    if ((before & ~(unsigned long)PPM_STEP_CHECK) != (m->steps & ~(unsigned long)PPM_STEP_CHECK))
        ppm_lua_check_budget(m->L);
}

static void reset(matcher *m) {
    m->ncaptures = 0;
    m->nesting_left = PPM_PATTERN_NESTING;
}

static void init_matcher(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    m->steps = 0;
    reset(m);
}

/* %a %d %s ... against one byte; an upper-case letter negates. */
static int in_class(int c, int letter) {
    int yes;
    switch (tolower(letter)) {
    case 'a': yes = isalpha(c); break;
    case 'c': yes = iscntrl(c); break;
    case 'd': yes = isdigit(c); break;
    case 'g': yes = isgraph(c); break;
    case 'l': yes = islower(c); break;
    case 'p': yes = ispunct(c); break;
    case 's': yes = isspace(c); break;
    case 'u': yes = isupper(c); break;
    case 'w': yes = isalnum(c); break;
    case 'x': yes = isxdigit(c); break;
    case 'z': yes = c == 0; break; /* deprecated in Lua, still accepted */
    default: return letter == c;
    }
    return isupper(letter) ? !yes : yes;
}

/* A set "[...]": `open` points at '[', `close` at its ']'. */
static int in_set(int c, const char *open, const char *close) {
    const char *p = open + 1;
    int wanted = 1;
    if (*p == '^') {
        wanted = 0;
        p++;
    }
    for (; p < close; p++) {
        if (*p == ESCAPE) {
            p++;
            if (in_class(c, (unsigned char)*p)) return wanted;
        } else if (p[1] == '-' && p + 2 < close) {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return wanted;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return wanted;
        }
    }
    return !wanted;
}

/* The end of the single-character item at `p`. */
static const char *item_end(matcher *m, const char *p) {
    char first = *p++;
    if (first == ESCAPE) {
        if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (first == '[') {
        if (*p == '^') p++;
        do {
            if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*p++ == ESCAPE && p < m->pattern_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

static int item_matches(matcher *m, const char *s, const char *p, const char *end) {
    if (s >= m->subject_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case ESCAPE: return in_class(c, (unsigned char)p[1]);
    case '[': return in_set(c, p, end - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match_here(matcher *m, const char *s, const char *p);

static const char *longest_first(matcher *m, const char *s, const char *p, const char *end) {
    ptrdiff_t n = 0;
    while (item_matches(m, s + n, p, end)) n++;
    count_steps(m, (size_t)n + 1);
    for (; n >= 0; n--) {
        const char *r = match_here(m, s + n, end + 1);
        if (r) return r;
    }
    return NULL;
}

static const char *shortest_first(matcher *m, const char *s, const char *p, const char *end) {
    for (;;) {
        const char *r = match_here(m, s, end + 1);
        if (r) return r;
        if (!item_matches(m, s, p, end)) return NULL;
        s++;
    }
}

static const char *open_capture(matcher *m, const char *s, const char *p, ptrdiff_t kind) {
    if (m->ncaptures >= PPM_MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->captures[m->ncaptures].start = s;
    m->captures[m->ncaptures].len = kind;
    m->ncaptures++;
    const char *r = match_here(m, s, p);
    if (r == NULL) m->ncaptures--;
    return r;
}

static const char *close_capture(matcher *m, const char *s, const char *p) {
    int i = m->ncaptures - 1;
    while (i >= 0 && m->captures[i].len != CAPTURE_OPEN) i--;
    if (i < 0) luaL_error(m->L, "invalid pattern capture");
    m->captures[i].len = s - m->captures[i].start;
    const char *r = match_here(m, s, p);
    if (r == NULL) m->captures[i].len = CAPTURE_OPEN;
    return r;
}

/* %bxy: a balanced run from x to the matching y. */
static const char *balanced(matcher *m, const char *s, const char *p) {
    if (p + 1 >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->subject_end || *s != p[0]) return NULL;
    int depth = 1;
    const char *start = s;
    while (++s < m->subject_end) {
        if (*s == p[1]) {
            if (--depth == 0) {
                count_steps(m, (size_t)(s - start));
                return s + 1;
            }
        } else if (*s == p[0]) {
            depth++;
        }
    }
    count_steps(m, (size_t)(s - start));
    return NULL;
}

/* %1 ... %9: the text of an earlier capture again. */
static const char *same_as_capture(matcher *m, const char *s, int digit) {
    int i = digit - '1';
    if (i < 0 || i >= m->ncaptures || m->captures[i].len == CAPTURE_OPEN)
        luaL_error(m->L, "invalid capture index %%%d", i + 1);
    ptrdiff_t len = m->captures[i].len;
    if (len < 0) return NULL;
    count_steps(m, (size_t)len);
    if (m->subject_end - s >= len && memcmp(m->captures[i].start, s, (size_t)len) == 0) return s + len;
    return NULL;
}

/* Matches the pattern from `p` against the subject from `s`; returns the
 * end of the match or NULL. */
static const char *match_here(matcher *m, const char *s, const char *p) {
    if (m->nesting_left-- == 0) luaL_error(m->L, "pattern too complex");
    count_steps(m, 1);
    while (p < m->pattern_end) {
        if (*p == '(') {
            s = p[1] == ')' ? open_capture(m, s, p + 2, CAPTURE_POSITION) : open_capture(m, s, p + 1, CAPTURE_OPEN);
            goto done;
        }
        if (*p == ')') {
            s = close_capture(m, s, p + 1);
            goto done;
        }
        if (*p == '$' && p + 1 == m->pattern_end) {
            if (s != m->subject_end) s = NULL;
            goto done;
        }
        if (*p == ESCAPE && p[1] == 'b') {
            s = balanced(m, s, p + 2);
            if (s == NULL) goto done;
            p += 4;
            continue;
        }
        if (*p == ESCAPE && p[1] == 'f') {
            p += 2;
            if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
            const char *end = item_end(m, p);
            int before = s == m->subject ? 0 : (unsigned char)s[-1];
            int here = s < m->subject_end ? (unsigned char)*s : 0;
            if (in_set(before, p, end - 1) || !in_set(here, p, end - 1)) {
                s = NULL;
                goto done;
            }
            p = end;
            continue;
        }
        if (*p == ESCAPE && isdigit((unsigned char)p[1])) {
            s = same_as_capture(m, s, (unsigned char)p[1]);
            if (s == NULL) goto done;
            p += 2;
            continue;
        }
        const char *end = item_end(m, p);
        int ok = item_matches(m, s, p, end);
        char quantifier = end < m->pattern_end ? *end : '\0';
        if (quantifier == '?') {
            const char *r = ok ? match_here(m, s + 1, end + 1) : NULL;
            if (r) {
                s = r;
                goto done;
            }
            p = end + 1;
            continue;
        }
        if (quantifier == '+') {
            s = ok ? longest_first(m, s + 1, p, end) : NULL;
            goto done;
        }
        if (quantifier == '*') {
            s = longest_first(m, s, p, end);
            goto done;
        }
        if (quantifier == '-') {
            s = shortest_first(m, s, p, end);
            goto done;
        }
        if (!ok) {
            s = NULL;
            goto done;
        }
        s++;
        p = end;
    }
done:
    m->nesting_left++;
    return s;
}

/* Pushes capture `i` (the whole match s..e when there are no captures);
 * returns its length, or CAPTURE_POSITION after pushing a position. */
static ptrdiff_t capture_text(matcher *m, int i, const char *s, const char *e, const char **text) {
    if (i >= m->ncaptures) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        *text = s;
        return e - s;
    }
    ptrdiff_t len = m->captures[i].len;
    *text = m->captures[i].start;
    if (len == CAPTURE_OPEN) luaL_error(m->L, "unfinished capture");
    if (len == CAPTURE_POSITION) lua_pushinteger(m->L, (m->captures[i].start - m->subject) + 1);
    return len;
}

static void push_capture(matcher *m, int i, const char *s, const char *e) {
    const char *text;
    ptrdiff_t len = capture_text(m, i, s, e, &text);
    if (len != CAPTURE_POSITION) lua_pushlstring(m->L, text, (size_t)len);
}

/* Pushes every capture, or the whole match if there are none and `s` is
 * given; returns how many values were pushed. */
static int push_captures(matcher *m, const char *s, const char *e) {
    int n = (m->ncaptures == 0 && s) ? 1 : m->ncaptures;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_capture(m, i, s, e);
    return n;
}

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
        count_steps(m, lp);
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
    init_matcher(&m, L, s, ls, p, lp);
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
        reset(&m);
        const char *e = match_here(&m, from, p);
        if (e) {
            if (!find) return push_captures(&m, from, e);
            lua_pushinteger(L, (from - s) + 1);
            lua_pushinteger(L, e - s);
            return push_captures(&m, NULL, NULL) + 2;
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
    init_matcher(&m, L, s, ls, p, lp);
    for (const char *from = s + it->next; from <= m.subject_end; from++) {
        reset(&m);
        const char *e = match_here(&m, from, p);
        if (e && (e - s) != it->last_end) {
            it->next = (size_t)(e - s);
            it->last_end = e - s;
            return push_captures(&m, from, e);
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
            ptrdiff_t n = capture_text(m, c - '1', s, e, &text);
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
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (kind == LUA_TTABLE) {
        push_capture(m, 0, s, e);
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
    init_matcher(&m, L, s, ls, p, lp);
    const char *at = s, *last_end = NULL;
    lua_Integer count = 0;
    int changed = 0;
    while (count < max) {
        reset(&m);
        const char *e = match_here(&m, at, p);
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
