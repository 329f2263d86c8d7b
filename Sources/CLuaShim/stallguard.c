// The last-resort watchdog over the daemon's loop: every turn of the loop
// (a Dispatch work item on the loop queue) and every outermost Lua call is a
// "span" with a deadline. If a span outlives its deadline, the guard's own
// thread calls the handler the daemon installed (it re-executes the daemon in
// place). The time budget (a count hook) cannot stop code that never reaches
// the hook (a long C function, a read that blocks); this catches the rest.
//
// Cheap on the loop's path: entering a span reads the vDSO clock and stores
// its deadline; the timerfd is set (one system call) only when it is not
// already armed for a time at or before that deadline. Leaving a span makes
// no system call: the timer stays armed, and when it fires the guard thread
// looks at what runs then: nothing (it leaves the timer off until the next
// span), a span still within its deadline (it re-arms for that deadline), or
// a span past it (the handler). So a busy loop costs the guard thread one
// wake-up per limit. The main loop calls `ppm_stall_guard_idle` before it
// blocks: with no span running the timer goes off (one system call, and one
// more to arm it at the next turn), so an idle daemon has no wake-up at all,
// not even one a limit after its last turn.
// (A POSIX timer with SIGEV_THREAD would run the handler on a thread glibc
// makes internally, which ThreadSanitizer does not know: it crashed.)
#define _GNU_SOURCE
#include "CLuaShim.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static int guard_fd = -1;
static double guard_fixed;            /* seconds for every span; 0: the rules below */
static ppm_stall_handler guard_handler;
static int64_t guard_armed_ns;        /* when the timerfd fires (monotonic ns); 0: off */
static int64_t guard_deadline_ns;     /* when the running span is overdue */
static int64_t guard_started_ns;      /* when the running span began */
static int guard_spans;               /* threads inside a span */
static int guard_kind;                /* what runs: 1 a loop turn, 2 a Lua call */
static __thread int guard_depth;      /* this thread's nesting of spans */

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t seconds_ns(double seconds) {
    /* A huge budget must not overflow: a year is forever enough. */
    if (!(seconds < 31536000.0)) seconds = 31536000.0;
    return (int64_t)(seconds * 1e9);
}

static void set_timer(int64_t at) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = at / 1000000000;
    spec.it_value.tv_nsec = at % 1000000000;
    timerfd_settime(guard_fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

/// Makes sure the timer fires at `at` or before (one system call if not).
static void ensure_armed(int64_t at) {
    int64_t armed = __atomic_load_n(&guard_armed_ns, __ATOMIC_SEQ_CST);
    while (armed == 0 || armed > at) {
        if (__atomic_compare_exchange_n(&guard_armed_ns, &armed, at, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            set_timer(at);
            return;
        }
    }
}

static void *guard_thread(void *unused) {
    (void)unused;
    pthread_setname_np(pthread_self(), "ppm-guard");
    for (;;) {
        uint64_t expirations;
        ssize_t n = read(guard_fd, &expirations, sizeof expirations);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof expirations) return NULL;
        __atomic_store_n(&guard_armed_ns, 0, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&guard_spans, __ATOMIC_SEQ_CST) == 0) continue;  /* idle: stays off */
        int64_t deadline = __atomic_load_n(&guard_deadline_ns, __ATOMIC_SEQ_CST);
        if (now_ns() < deadline) {
            ensure_armed(deadline);
            continue;
        }
        int64_t started = __atomic_load_n(&guard_started_ns, __ATOMIC_SEQ_CST);
        ppm_stall_handler handler = __atomic_load_n(&guard_handler, __ATOMIC_ACQUIRE);
        if (handler) handler((double)(deadline - started) / 1e9, __atomic_load_n(&guard_kind, __ATOMIC_RELAXED) == 2);
    }
}

int ppm_stall_guard_install(ppm_stall_handler handler, double fixed_seconds) {
    guard_fixed = fixed_seconds;
    __atomic_store_n(&guard_handler, handler, __ATOMIC_RELEASE);
    if (guard_fd >= 0) return 0;
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    if (fd < 0) return -1;
    guard_fd = fd;
    /* The guard thread takes no signal: they stay with the daemon's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, guard_thread, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(fd);
        guard_fd = -1;
        return -1;
    }
    return 0;
}

/// Pushes the running span's deadline to `seconds` from now if that is later.
static void extend(double seconds) {
    int64_t until = now_ns() + seconds_ns(seconds);
    int64_t deadline = __atomic_load_n(&guard_deadline_ns, __ATOMIC_SEQ_CST);
    while (deadline < until &&
           !__atomic_compare_exchange_n(&guard_deadline_ns, &deadline, until, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
}

static void enter(double seconds, int kind) {
    if (guard_fd < 0) return;
    if (guard_depth++ > 0) {  /* nested (a Lua call inside a turn): it may take longer */
        extend(seconds);
        return;
    }
    int64_t now = now_ns();
    __atomic_store_n(&guard_kind, kind, __ATOMIC_RELAXED);
    __atomic_store_n(&guard_started_ns, now, __ATOMIC_SEQ_CST);
    __atomic_store_n(&guard_deadline_ns, now + seconds_ns(seconds), __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&guard_spans, 1, __ATOMIC_SEQ_CST);
    ensure_armed(now + seconds_ns(seconds));
}

static void leave(void) {
    if (guard_fd < 0) return;
    if (--guard_depth > 0) {  /* back in the turn: the rest of it gets a turn's limit */
        extend(guard_fixed > 0 ? guard_fixed : 10);
        return;
    }
    __atomic_sub_fetch(&guard_spans, 1, __ATOMIC_SEQ_CST);
}

void ppm_stall_guard_arm(double budget) {
    double limit = guard_fixed > 0 ? guard_fixed : (budget * 10 > 10 ? budget * 10 : 10);
    enter(limit, 2);
}

void ppm_stall_guard_disarm(void) { leave(); }

void ppm_stall_guard_turn_begin(void) { enter(guard_fixed > 0 ? guard_fixed : 10, 1); }

void ppm_stall_guard_turn_end(void) { leave(); }

void ppm_stall_guard_idle(void) {
    if (guard_fd < 0 || __atomic_load_n(&guard_spans, __ATOMIC_SEQ_CST) != 0) return;
    int64_t armed = __atomic_load_n(&guard_armed_ns, __ATOMIC_SEQ_CST);
    if (armed == 0 || !__atomic_compare_exchange_n(&guard_armed_ns, &armed, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return;
    struct itimerspec off;
    memset(&off, 0, sizeof off);
    timerfd_settime(guard_fd, 0, &off, NULL);
    /* A span another thread began meanwhile may have found the timer armed
       (and left it), or armed it before the line above: arm it again. */
    if (__atomic_load_n(&guard_spans, __ATOMIC_SEQ_CST) != 0) {
        __atomic_store_n(&guard_armed_ns, 0, __ATOMIC_SEQ_CST);
        ensure_armed(__atomic_load_n(&guard_deadline_ns, __ATOMIC_SEQ_CST));
    }
}

void ppm_stall_guard_allow(double seconds) {
    if (guard_fd < 0 || guard_depth == 0) return;
    extend(seconds);
}
