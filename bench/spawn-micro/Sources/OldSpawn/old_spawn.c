// The fork()-based ppm_spawn as it was before the clone spawner (commit a5fceb2),
// renamed, so the micro-benchmark can run both in one process.
#define _GNU_SOURCE
#include "OldSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
/// The step of the child setup that failed, reported through the pipe.
enum step { STEP_EXEC, STEP_DIR, STEP_STDIN, STEP_STDOUT, STEP_STDERR, STEP_SETSID,
            STEP_GROUPS, STEP_GID, STEP_UID, STEP_RLIMIT, STEP_NICE, STEP_CPU };

struct child_failure { int step; int err; };

static void fail(int fd, int step) {
    struct child_failure f = { step, errno };
    ssize_t ignored = write(fd, &f, sizeof f);
    (void)ignored;
    _exit(127);
}

static int redirect(const char *path, int target, int flags) {
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (fd != target) {
        if (dup2(fd, target) < 0) return -1;  // dup2 clears CLOEXEC on target
        close(fd);
    } else {
        int fl = fcntl(fd, F_GETFD);
        fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
    }
    return 0;
}

/// Runs in the child: only async-signal-safe calls from here to execve.
static void child(const ppm_spawn_spec *s, int report) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);

    if (setsid() < 0) fail(report, STEP_SETSID);
    if (s->dir && chdir(s->dir) < 0) fail(report, STEP_DIR);
    if (s->stdin_fd >= 0) {
        if (dup2(s->stdin_fd, 0) < 0) fail(report, STEP_STDIN);
    } else if (redirect(s->stdin_path ? s->stdin_path : "/dev/null", 0, O_RDONLY) < 0) {
        fail(report, STEP_STDIN);
    }
    if (s->stdout_fd >= 0) {
        if (dup2(s->stdout_fd, 1) < 0) fail(report, STEP_STDOUT);
    } else if (s->stdout_path && redirect(s->stdout_path, 1, O_WRONLY | O_CREAT | O_APPEND) < 0) fail(report, STEP_STDOUT);
    if (s->stderr_path && redirect(s->stderr_path, 2, O_WRONLY | O_CREAT | O_APPEND) < 0) fail(report, STEP_STDERR);
    for (int i = 0; i < s->nrlimits; i++) {
        struct rlimit rl = { s->rlimits[i].soft, s->rlimits[i].hard };
        if (setrlimit(s->rlimits[i].resource, &rl) < 0) fail(report, STEP_RLIMIT);
    }
    if (s->set_nice) {
        errno = 0;
        if (setpriority(PRIO_PROCESS, 0, s->nice) < 0 && errno != 0) fail(report, STEP_NICE);
    }
    if (s->ncpus > 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (int i = 0; i < s->ncpus; i++) CPU_SET(s->cpus[i], &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0) fail(report, STEP_CPU);
    }
    if (s->set_ids) {
        if (setgroups((size_t)s->ngroups, s->groups) < 0) fail(report, STEP_GROUPS);
        if (setgid(s->gid) < 0) fail(report, STEP_GID);
        if (setuid(s->uid) < 0) fail(report, STEP_UID);
    }
    // Everything above fd 2 closes at exec, the report pipe included.
    if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0) {
        for (int fd = 3; fd < 65536; fd++) {
            int fl = fcntl(fd, F_GETFD);
            if (fl >= 0) fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
        }
    }
    execve(s->path, s->argv, s->envp);
    fail(report, STEP_EXEC);
}

static void describe(const ppm_spawn_spec *s, struct child_failure f, char *out, size_t size) {
    const char *what = s->path;
    switch (f.step) {
    case STEP_EXEC: what = s->path; break;
    case STEP_DIR: what = s->dir; break;
    case STEP_STDIN: what = s->stdin_path ? s->stdin_path : "/dev/null"; break;
    case STEP_STDOUT: what = s->stdout_path; break;
    case STEP_STDERR: what = s->stderr_path; break;
    case STEP_SETSID: what = "setsid"; break;
    case STEP_GROUPS: what = "setgroups"; break;
    case STEP_GID: what = "setgid"; break;
    case STEP_UID: what = "setuid"; break;
    case STEP_RLIMIT: what = "setrlimit"; break;
    case STEP_NICE: what = "setpriority"; break;
    case STEP_CPU: what = "sched_setaffinity"; break;
    }
    snprintf(out, size, "%s: %s", what, strerror(f.err));
}

int old_ppm_spawn(const ppm_spawn_spec *spec, pid_t *pid, char *error, size_t error_size) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        int e = errno;
        snprintf(error, error_size, "pipe: %s", strerror(e));
        return e;
    }
    pid_t p = fork();
    if (p < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        snprintf(error, error_size, "fork: %s", strerror(e));
        return e;
    }
    if (p == 0) {
        close(fds[0]);
        child(spec, fds[1]);
    }
    close(fds[1]);
    struct child_failure f;
    ssize_t n;
    do { n = read(fds[0], &f, sizeof f); } while (n < 0 && errno == EINTR);
    close(fds[0]);
    *pid = p;
    if (n == (ssize_t)sizeof f) {
        describe(spec, f, error, error_size);
        return f.err ? f.err : EINVAL;
    }
    return 0;
}

