// The last-resort watchdog: a POSIX timer armed for each outermost Lua call
// and disarmed when it returns. The time budget (a count hook) cannot stop
// code that never reaches the hook (a long C function, a finalizer run with
// hooks off); if a call outlives the hard limit, the timer's thread calls
// the handler the daemon installed (it re-executes the daemon in place).
// Arming and disarming are two timer_settime calls: no thread wakes up
// unless the limit passes, and nothing runs while no Lua does.
#include "CLuaShim.h"

#include <signal.h>
#include <string.h>
#include <time.h>

static timer_t guard_timer;
static int guard_ready;
static double guard_fixed;          /* seconds for every call; 0: the rule below */
static ppm_stall_handler guard_handler;
static double guard_armed_for;

static void guard_fired(union sigval value) {
    (void)value;
    if (guard_handler) guard_handler(guard_armed_for);
}

int ppm_stall_guard_install(ppm_stall_handler handler, double fixed_seconds) {
    guard_fixed = fixed_seconds;
    guard_handler = handler;
    if (guard_ready) return 0;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = guard_fired;
    if (timer_create(CLOCK_MONOTONIC, &ev, &guard_timer) < 0) return -1;
    guard_ready = 1;
    return 0;
}

void ppm_stall_guard_arm(double budget) {
    if (!guard_ready) return;
    double limit = guard_fixed > 0 ? guard_fixed : (budget * 10 > 10 ? budget * 10 : 10);
    /* A huge budget must not overflow time_t (undefined): a year is forever enough. */
    if (!(limit < 31536000.0)) limit = 31536000.0;
    guard_armed_for = limit;
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = (time_t)limit;
    spec.it_value.tv_nsec = (long)((limit - (double)(time_t)limit) * 1e9);
    timer_settime(guard_timer, 0, &spec, NULL);
}

void ppm_stall_guard_disarm(void) {
    if (!guard_ready) return;
    struct itimerspec off;
    memset(&off, 0, sizeof off);
    timer_settime(guard_timer, 0, &off, NULL);
}
