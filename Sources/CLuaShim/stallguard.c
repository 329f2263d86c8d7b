// The last-resort watchdog: a timer armed for each outermost Lua call and
// disarmed when it returns. The time budget (a count hook) cannot stop code
// that never reaches the hook (a long C function, a finalizer run with hooks
// off); if a call outlives the hard limit, the guard's own thread calls the
// handler the daemon installed (it re-executes the daemon in place).
// Arming and disarming are one timerfd_settime call each; the guard thread
// sleeps in read() on the timerfd, so no thread wakes up unless the limit
// passes. (A POSIX timer with SIGEV_THREAD would run the handler on a thread
// glibc makes internally, which ThreadSanitizer does not know: it crashed.)
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
static double guard_fixed;          /* seconds for every call; 0: the rule below */
static ppm_stall_handler guard_handler;
static double guard_armed_for;      /* written by the arming thread, read by the guard's */

static void *guard_thread(void *unused) {
    (void)unused;
    for (;;) {
        uint64_t expirations;
        ssize_t n = read(guard_fd, &expirations, sizeof expirations);
        if (n < 0 && errno == EINTR) continue;
        if (n != (ssize_t)sizeof expirations) return NULL;
        double seconds;
        __atomic_load(&guard_armed_for, &seconds, __ATOMIC_ACQUIRE);
        ppm_stall_handler handler = __atomic_load_n(&guard_handler, __ATOMIC_ACQUIRE);
        if (handler) handler(seconds);
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

void ppm_stall_guard_arm(double budget) {
    if (guard_fd < 0) return;
    double limit = guard_fixed > 0 ? guard_fixed : (budget * 10 > 10 ? budget * 10 : 10);
    /* A huge budget must not overflow time_t (undefined): a year is forever enough. */
    if (!(limit < 31536000.0)) limit = 31536000.0;
    __atomic_store(&guard_armed_for, &limit, __ATOMIC_RELEASE);
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = (time_t)limit;
    spec.it_value.tv_nsec = (long)((limit - (double)(time_t)limit) * 1e9);
    timerfd_settime(guard_fd, 0, &spec, NULL);
}

void ppm_stall_guard_disarm(void) {
    if (guard_fd < 0) return;
    struct itimerspec off;
    memset(&off, 0, sizeof off);
    timerfd_settime(guard_fd, 0, &off, NULL);
}
