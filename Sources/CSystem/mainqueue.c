#define _GNU_SOURCE
#include "CSystem.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/epoll.h>
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

/* The main thread's one wait: an epoll set holding the main queue's eventfd
   (token 0) and the epoll sets of the loop's ReadinessSets (their tokens).
   Made once, by whichever thread asks first. */
static int root_epoll = -1;
static pthread_once_t root_once = PTHREAD_ONCE_INIT;
static int main_queue_fd = -1;

static void make_root_epoll(void) { root_epoll = epoll_create1(EPOLL_CLOEXEC); }

static int main_loop_epoll(void) {
    pthread_once(&root_once, make_root_epoll);
    return root_epoll;
}

int ppm_main_loop_watch(int fd, uint64_t token) {
    int root = main_loop_epoll();
    if (root < 0 || token == 0) return -1;
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = token };
    return epoll_ctl(root, EPOLL_CTL_ADD, fd, &ev);
}

int ppm_main_loop_forget(int fd) {
    int root = main_loop_epoll();
    return root < 0 ? -1 : epoll_ctl(root, EPOLL_CTL_DEL, fd, NULL);
}

/* Adds the main queue's eventfd to the set, the first time. */
static int watch_main_queue(void) {
    if (main_queue_fd >= 0) return 0;
    int root = main_loop_epoll();
    if (root < 0) return -1;
    int fd = _dispatch_get_main_queue_handle_4CF();
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
    if (epoll_ctl(root, EPOLL_CTL_ADD, fd, &ev) < 0 && errno != EEXIST) return -1;
    main_queue_fd = fd;
    /* Work queued before the first wait runs first. */
    _dispatch_main_queue_callback_4CF(NULL);
    return 0;
}

static void (*idle_hook)(void);

void ppm_main_loop_on_idle(void (*hook)(void)) { __atomic_store_n(&idle_hook, hook, __ATOMIC_RELEASE); }

int ppm_main_loop_turn(ppm_main_loop_serve serve, int timeout_ms, int with_main_queue) {
    if (with_main_queue ? watch_main_queue() < 0 : main_loop_epoll() < 0) return -1;
    struct epoll_event events[64];
    void (*hook)(void) = __atomic_load_n(&idle_hook, __ATOMIC_ACQUIRE);
    if (hook && timeout_ms != 0) hook();
    int n = epoll_wait(root_epoll, events, 64, timeout_ms);
    if (n <= 0) return n < 0 && errno != EINTR ? -1 : 0;
    int queued = 0;
    for (int i = 0; i < n; i++) {
        if (events[i].data.u64 != 0) continue;
        uint64_t count;
        /* Cleared before the drain: work queued during it pokes again. */
        while (read(main_queue_fd, &count, sizeof count) < 0 && errno == EINTR) {}
        queued = 1;
    }
    /* Work queued before these descriptors were seen ready goes first. */
    if (queued) _dispatch_main_queue_callback_4CF(NULL);
    for (int i = 0; i < n; i++) {
        if (events[i].data.u64 != 0) serve(events[i].data.u64);
    }
    /* And what the handlers queued, after the batch. */
    uint64_t count;
    if (with_main_queue && read(main_queue_fd, &count, sizeof count) == sizeof count) _dispatch_main_queue_callback_4CF(NULL);
    return n;
}

void ppm_run_main_queue(ppm_main_loop_serve serve) {
    for (;;) ppm_main_loop_turn(serve, -1, 1);
}

static __thread const void *serving_queue;

void ppm_set_serving_queue(const void *queue) { serving_queue = queue; }

const void *ppm_serving_queue(void) { return serving_queue; }

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
