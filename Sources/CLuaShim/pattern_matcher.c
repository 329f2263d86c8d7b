/* Lua 5.4's patterns, matched by backtracking as Lua does, with a step
 * count: see pattern_matcher.h. */
#include "pattern_matcher.h"

#include <ctype.h>
#include <string.h>

void pm_count_steps(matcher *m, size_t n) {
    unsigned long before = m->steps;
    m->steps += n;
    if ((before & ~(unsigned long)PPM_STEP_CHECK) != (m->steps & ~(unsigned long)PPM_STEP_CHECK))
        ppm_lua_check_budget(m->L);
}

void pm_reset(matcher *m) {
    m->ncaptures = 0;
    m->nesting_left = PPM_PATTERN_NESTING;
}

void pm_init(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    m->steps = 0;
    pm_reset(m);
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

static const char *longest_first(matcher *m, const char *s, const char *p, const char *end) {
    ptrdiff_t n = 0;
    while (item_matches(m, s + n, p, end)) n++;
    pm_count_steps(m, (size_t)n + 1);
    for (; n >= 0; n--) {
        const char *r = pm_match(m, s + n, end + 1);
        if (r) return r;
    }
    return NULL;
}

static const char *shortest_first(matcher *m, const char *s, const char *p, const char *end) {
    for (;;) {
        const char *r = pm_match(m, s, end + 1);
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
    const char *r = pm_match(m, s, p);
    if (r == NULL) m->ncaptures--;
    return r;
}

static const char *close_capture(matcher *m, const char *s, const char *p) {
    int i = m->ncaptures - 1;
    while (i >= 0 && m->captures[i].len != CAPTURE_OPEN) i--;
    if (i < 0) luaL_error(m->L, "invalid pattern capture");
    m->captures[i].len = s - m->captures[i].start;
    const char *r = pm_match(m, s, p);
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
                pm_count_steps(m, (size_t)(s - start));
                return s + 1;
            }
        } else if (*s == p[0]) {
            depth++;
        }
    }
    pm_count_steps(m, (size_t)(s - start));
    return NULL;
}

/* %1 ... %9: the text of an earlier capture again. */
static const char *same_as_capture(matcher *m, const char *s, int digit) {
    int i = digit - '1';
    if (i < 0 || i >= m->ncaptures || m->captures[i].len == CAPTURE_OPEN)
        luaL_error(m->L, "invalid capture index %%%d", i + 1);
    ptrdiff_t len = m->captures[i].len;
    if (len < 0) return NULL;
    pm_count_steps(m, (size_t)len);
    if (m->subject_end - s >= len && memcmp(m->captures[i].start, s, (size_t)len) == 0) return s + len;
    return NULL;
}

/* Matches the pattern from `p` against the subject from `s`; returns the
 * end of the match or NULL. */
const char *pm_match(matcher *m, const char *s, const char *p) {
    if (m->nesting_left-- == 0) luaL_error(m->L, "pattern too complex");
    pm_count_steps(m, 1);
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
            const char *r = ok ? pm_match(m, s + 1, end + 1) : NULL;
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
ptrdiff_t pm_capture_text(matcher *m, int i, const char *s, const char *e, const char **text) {
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

void pm_push_capture(matcher *m, int i, const char *s, const char *e) {
    const char *text;
    ptrdiff_t len = pm_capture_text(m, i, s, e, &text);
    if (len != CAPTURE_POSITION) lua_pushlstring(m->L, text, (size_t)len);
}

/* Pushes every capture, or the whole match if there are none and `s` is
 * given; returns how many values were pushed. */
int pm_push_captures(matcher *m, const char *s, const char *e) {
    int n = (m->ncaptures == 0 && s) ? 1 : m->ncaptures;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) pm_push_capture(m, i, s, e);
    return n;
}

