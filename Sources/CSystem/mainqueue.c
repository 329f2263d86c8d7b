#define _GNU_SOURCE
#include "CSystem.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libdispatch's hooks for a run loop that drains the main queue on the main
   thread (what CoreFoundation uses): the queue's eventfd, and its drain.
   Weak: the C-only fd holder links this file but not libdispatch. */
extern int _dispatch_get_main_queue_handle_4CF(void) __attribute__((weak));
extern void _dispatch_main_queue_callback_4CF(void *msg) __attribute__((weak));

void ppm_run_main_queue(void) {
    int fd = _dispatch_get_main_queue_handle_4CF();
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
        if (poll(&p, 1, -1) < 0) continue;  /* EINTR */
        uint64_t count;
        /* Cleared before the drain: work queued during it pokes again. */
        while (read(fd, &count, sizeof count) < 0 && errno == EINTR) {}
        _dispatch_main_queue_callback_4CF(NULL);
    }
}

int ppm_wake_fd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

void ppm_name_thread(const char *name) {
    char short_name[16];
    snprintf(short_name, sizeof short_name, "%s", name);
    pthread_setname_np(pthread_self(), short_name);
}

int ppm_nice_thread(int niceness) {
    /* Linux keeps a nice value per thread: PRIO_PROCESS with a thread id
       sets that thread's alone. */
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), niceness);
}

int ppm_sched_clock_offset(int cpu, double *offset) {
    cpu_set_t old, one;
    if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof old, &old) < 0) return -1;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) < 0) return -1;
    /* Scheduled in again on `cpu`: exec_start is that moment, on its clock. */
    struct timespec pause = { 0, 1000 };
    nanosleep(&pause, NULL);
    char text[4096];
    int fd = open("/proc/thread-self/sched", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (fd >= 0) close(fd);
    sched_setaffinity(0, sizeof old, &old);
    if (n <= 0) return -1;
    text[n] = 0;
    char *field = strstr(text, "se.exec_start");
    char *colon = field ? strchr(field, ':') : NULL;
    if (!colon) return -1;
    double ms = strtod(colon + 1, NULL);
    *offset = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - ms / 1000;
    return 0;
}
