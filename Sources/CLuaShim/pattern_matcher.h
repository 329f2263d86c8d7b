/* The pattern matcher behind the bounded string functions (patterns.c):
 * Lua 5.4's pattern semantics, counting steps and checking the watchdog
 * every PPM_STEP_CHECK steps. */
#ifndef PPM_PATTERN_MATCHER_H
#define PPM_PATTERN_MATCHER_H

#include "shim_internal.h"

#define PPM_MAX_CAPTURES 32
#define PPM_PATTERN_NESTING 200
#define PPM_STEP_CHECK 0x3FFF
#define CAPTURE_OPEN (-1)
#define CAPTURE_POSITION (-2)
#define ESCAPE '%'

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

/* Adds `n` steps; checks the budget each time a multiple of PPM_STEP_CHECK passes. */
void pm_count_steps(matcher *m, size_t n);
/* Forgets the captures of the last attempt. */
void pm_reset(matcher *m);
void pm_init(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp);
/* Matches the pattern from `p` against the subject from `s`; returns the
 * end of the match or NULL. */
const char *pm_match(matcher *m, const char *s, const char *p);
/* Capture `i` (the whole match s..e when there are none): pushes a
 * position and returns CAPTURE_POSITION, or returns its length and text. */
ptrdiff_t pm_capture_text(matcher *m, int i, const char *s, const char *e, const char **text);
void pm_push_capture(matcher *m, int i, const char *s, const char *e);
/* Pushes every capture, or the whole match if there are none and `s` is
 * given; returns how many values were pushed. */
int pm_push_captures(matcher *m, const char *s, const char *e);

#endif
