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
