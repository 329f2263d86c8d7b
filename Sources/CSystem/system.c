#define _GNU_SOURCE
#include "CSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

int ppm_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int ppm_set_process_name(const char *name) { return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }

pid_t ppm_wait_any(int *kind, int *code) {
    int status = 0;
    pid_t p;
    do { p = waitpid(-1, &status, WNOHANG | WUNTRACED | WCONTINUED); } while (p < 0 && errno == EINTR);
    *kind = PPM_WAIT_NONE;
    *code = 0;
    if (p <= 0) return p;
    if (WIFEXITED(status)) { *kind = PPM_WAIT_EXITED; *code = WEXITSTATUS(status); }
    else if (WIFSIGNALED(status)) { *kind = PPM_WAIT_SIGNALED; *code = WTERMSIG(status); }
    else if (WIFSTOPPED(status)) { *kind = PPM_WAIT_STOPPED; *code = WSTOPSIG(status); }
    else if (WIFCONTINUED(status)) { *kind = PPM_WAIT_CONTINUED; }
    return p;
}

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

pid_t ppm_wait_pidfd(int pidfd, int *kind, int *code) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int r;
    do { r = waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG); } while (r < 0 && errno == EINTR);
    *kind = PPM_WAIT_NONE;
    *code = 0;
    if (r < 0) return -1;
    if (info.si_pid == 0) return 0;
    *kind = info.si_code == CLD_EXITED ? PPM_WAIT_EXITED : PPM_WAIT_SIGNALED;
    *code = info.si_status;
    return info.si_pid;
}

static int signal_pipe_write = -1;

/// One signal as it travels through the pipe (one write: atomic).
struct signal_record { int sig; pid_t pid; int code; };

static void forward_signal(int sig, siginfo_t *info, void *context) {
    (void)context;
    int saved = errno;
    struct signal_record r = { sig, info ? info->si_pid : 0, info ? info->si_code : 0 };
    ssize_t ignored = write(signal_pipe_write, &r, sizeof r);
    (void)ignored;
    errno = saved;
}

int ppm_signal_pipe(const int *signals, int count) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) return -1;
    signal_pipe_write = fds[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forward_signal;
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) {
        if (sigaction(signals[i], &sa, NULL) < 0) return -1;
        sigaddset(&set, signals[i]);
    }
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    // Children must get these back as SIG_DFL: the spawner looks again.
    ppm_spawn_signals_changed();
    return fds[0];
}

int ppm_signal_pipe_read_info(int fd, pid_t *pid, int *code) {
    struct signal_record r;
    ssize_t n;
    do { n = read(fd, &r, sizeof r); } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof r) return 0;
    *pid = r.pid;
    *code = r.code;
    return r.sig;
}

int ppm_signal_pipe_read(int fd) {
    pid_t pid;
    int code;
    return ppm_signal_pipe_read_info(fd, &pid, &code);
}

long ppm_peer_uid(int fd) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return -1;
    return (long)cred.uid;
}

long ppm_peer_pid(int fd) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return -1;
    return (long)cred.pid;
}

int ppm_group_alive(pid_t pgid) {
    if (pgid <= 0) return 0;
    return kill(-pgid, 0) == 0 || errno == EPERM;
}

int ppm_accept(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK); }

int ppm_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

void ppm_malloc_one_arena(void) { mallopt(M_ARENA_MAX, 1); }

void ppm_release_free_memory(void) { malloc_trim(0); }

int ppm_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    return (int)syscall(434, pid, 0);
#endif
}

int ppm_pidfd_signal(int pidfd, int sig) {
#ifdef SYS_pidfd_send_signal
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#else
    return (int)syscall(424, pidfd, sig, NULL, 0);
#endif
}

int ppm_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int ppm_timerfd_create(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

int ppm_timerfd_at(int fd, double seconds) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    if (seconds < 1e-9) seconds = 1e-9;  /* zero would disarm it */
    spec.it_value.tv_sec = (time_t)seconds;
    spec.it_value.tv_nsec = (long)((seconds - (double)spec.it_value.tv_sec) * 1e9);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

void ppm_timerfd_clear(int fd) {
    uint64_t expirations;
    ssize_t ignored = read(fd, &expirations, sizeof expirations);
    (void)ignored;
}

int ppm_epoll_set(int epfd, int fd, int interest, int added) {
    struct epoll_event ev = { .events = ((interest & 1) ? EPOLLIN : 0) | ((interest & 2) ? EPOLLOUT : 0), .data.fd = fd };
    /* The caller's guess first (one call); the other operation if the guess was stale. */
    if (epoll_ctl(epfd, added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
    if (errno != (added ? ENOENT : EEXIST)) return -1;
    return epoll_ctl(epfd, added ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

int ppm_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int ppm_epoll_ready(int epfd, int *fds, int *ready, int max) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n;
    do { n = epoll_wait(epfd, events, max, 0); } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) {
        fds[i] = events[i].data.fd;
        uint32_t e = events[i].events;
        ready[i] = ((e & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) ? 1 : 0) | ((e & (EPOLLOUT | EPOLLERR)) ? 2 : 0)
                 | ((e & (EPOLLHUP | EPOLLERR)) ? 4 : 0);
    }
    return n;
}

int ppm_open_regular_as(const char *path, uid_t uid, gid_t gid, const gid_t *groups, int ngroups) {
    int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    int fd;
    if (uid == geteuid()) {
        fd = open(path, flags);
    } else {
        // Raw calls: the switch is this thread's alone (glibc would apply
        // setgroups to every thread). Groups first, ids back before groups:
        // with a non-zero fsuid the thread lacks nothing setgroups needs,
        // but a failed step must never leave the thread switched.
        int nsaved = getgroups(0, NULL);
        gid_t *saved = nsaved >= 0 ? malloc(sizeof(gid_t) * (size_t)(nsaved + 1)) : NULL;
        if (!saved) return -1;
        nsaved = getgroups(nsaved, saved);
        if (nsaved < 0 || syscall(SYS_setgroups, (size_t)ngroups, groups) < 0) {
            free(saved);
            return -1;
        }
        gid_t old_gid = (gid_t)syscall(SYS_setfsgid, gid);
        uid_t old_uid = (uid_t)syscall(SYS_setfsuid, uid);
        fd = open(path, flags);
        int e = errno;
        syscall(SYS_setfsuid, old_uid);
        syscall(SYS_setfsgid, old_gid);
        syscall(SYS_setgroups, (size_t)nsaved, saved);
        free(saved);
        errno = e;
    }
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

int ppm_memfd(const char *name) { return (int)syscall(SYS_memfd_create, name, 0U); }
